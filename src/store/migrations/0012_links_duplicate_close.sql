ALTER TABLE "tracker_link_requests" ADD COLUMN "need_issue_id" text;--> statement-breakpoint
ALTER TABLE "tracker_links" ADD COLUMN "duplicate_of_link_id" uuid;--> statement-breakpoint
ALTER TABLE "tracker_links" ADD COLUMN "closed_as_duplicate_of" text;--> statement-breakpoint
ALTER TABLE "tracker_links" ADD COLUMN "status_before_close" text;