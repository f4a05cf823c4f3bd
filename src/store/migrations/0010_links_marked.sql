ALTER TABLE "tracker_links" ADD COLUMN "marked_at" timestamp with time zone;--> statement-breakpoint
-- Issues our pushes created carry the link's mark from their create (Jira's idempotency label and entity
-- property, Linear's id derived from the link's key): from now on their events apply only while they still do.
-- Links made by hand or imported start unmarked; their next push writes the mark.
UPDATE "tracker_links" SET "marked_at" = "updated_at"
WHERE "origin" = 'created' AND "issue_id" IS NOT NULL;
