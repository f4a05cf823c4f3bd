ALTER TABLE "tracker_links" ADD COLUMN "merged_from_feature_id" uuid;--> statement-breakpoint
-- Links that merges made before this column existed: the earliest merge still in force that moved each one.
UPDATE "tracker_links" AS l SET "merged_from_feature_id" = m."from_feature_id"
FROM (
  SELECT DISTINCT ON (link_id) link_id, "from_feature_id"
  FROM "feature_merges", unnest("link_ids") AS link_id
  WHERE "undone_at" IS NULL
  ORDER BY link_id, "created_at"
) AS m
WHERE l."id" = m.link_id AND l."feature_id" <> m."from_feature_id"
  -- Not a link an undone merge gave back to the feature it is on (A into B, B into C, A unmerged: A's own again).
  AND NOT EXISTS (
    SELECT 1 FROM "feature_merges" u
    WHERE u."undone_at" IS NOT NULL AND u."from_feature_id" = l."feature_id" AND l."id" = ANY (u."link_ids")
  );
