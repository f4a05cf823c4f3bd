ALTER TABLE "features" ADD COLUMN "title_request_id" uuid;--> statement-breakpoint
ALTER TABLE "tracker_links" ADD COLUMN "pushed_title" text;--> statement-breakpoint
-- Features triage made are named after the request that created them; imported ones stay null (the issue's title).
UPDATE "features" AS f SET "title_request_id" = d."request_id"
FROM "triage_decisions" AS d
WHERE d."feature_id" = f."id" AND d."action" = 'created';--> statement-breakpoint
-- The title each link's issue was given: its own feature's (the one a merge brought it from, else the one it is on).
UPDATE "tracker_links" AS l SET "pushed_title" = f."title"
FROM "features" AS f
WHERE f."id" = coalesce(l."merged_from_feature_id", l."feature_id")
  AND l."issue_id" IS NOT NULL
  AND (l."pushed_at" IS NOT NULL OR l."origin" = 'created');
