ALTER TABLE "tracker_links" ADD COLUMN "mark_lost_at" timestamp with time zone;--> statement-breakpoint
-- Links already known to have lost their issue's mark keep saying so in the column of their own.
UPDATE "tracker_links" SET "mark_lost_at" = now() WHERE "last_error_kind" = 'mark_lost';
