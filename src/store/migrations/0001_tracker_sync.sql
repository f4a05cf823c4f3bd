CREATE TABLE "feature_status_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"feature_id" uuid NOT NULL,
	"from_status" text NOT NULL,
	"to_status" text NOT NULL,
	"cause" text NOT NULL,
	"link_id" uuid,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_cursors" (
	"kind" text NOT NULL,
	"site" text NOT NULL,
	"cursor" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_cursors_kind_site_pk" PRIMARY KEY("kind","site")
);
--> statement-breakpoint
CREATE TABLE "tracker_link_requests" (
	"link_id" uuid NOT NULL,
	"request_id" uuid NOT NULL,
	"pushed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tracker_link_requests_link_id_request_id_pk" PRIMARY KEY("link_id","request_id")
);
--> statement-breakpoint
CREATE TABLE "tracker_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"feature_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"site" text NOT NULL,
	"target" jsonb NOT NULL,
	"idempotency_key" text NOT NULL,
	"issue_id" text,
	"issue_key" text,
	"url" text,
	"state" text DEFAULT 'pending' NOT NULL,
	"origin" text DEFAULT 'created' NOT NULL,
	"primary" boolean DEFAULT false NOT NULL,
	"status_name" text,
	"status_category" text,
	"mapped_status" text,
	"issue_updated_at" timestamp with time zone,
	"create_attempted_at" timestamp with time zone,
	"pushed_hash" text,
	"pushed_at" timestamp with time zone,
	"dirty_since" timestamp with time zone,
	"last_error_kind" text,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tracker_links_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text NOT NULL,
	"site" text NOT NULL,
	"delivery_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"outcome" text
);
--> statement-breakpoint
ALTER TABLE "features" ADD COLUMN "merged_into_id" uuid;--> statement-breakpoint
ALTER TABLE "feature_status_changes" ADD CONSTRAINT "feature_status_changes_feature_id_features_id_fk" FOREIGN KEY ("feature_id") REFERENCES "public"."features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feature_status_changes" ADD CONSTRAINT "feature_status_changes_link_id_tracker_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."tracker_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_link_requests" ADD CONSTRAINT "tracker_link_requests_link_id_tracker_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."tracker_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_link_requests" ADD CONSTRAINT "tracker_link_requests_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracker_links" ADD CONSTRAINT "tracker_links_feature_id_features_id_fk" FOREIGN KEY ("feature_id") REFERENCES "public"."features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "feature_status_changes_feature_idx" ON "feature_status_changes" USING btree ("feature_id","changed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tracker_links_issue_key" ON "tracker_links" USING btree ("kind","site","issue_id") WHERE "tracker_links"."issue_id" is not null;--> statement-breakpoint
CREATE INDEX "tracker_links_feature_idx" ON "tracker_links" USING btree ("feature_id");--> statement-breakpoint
CREATE INDEX "tracker_links_dirty_idx" ON "tracker_links" USING btree ("dirty_since") WHERE "tracker_links"."dirty_since" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_delivery_key" ON "webhook_deliveries" USING btree ("provider","site","delivery_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_unprocessed_idx" ON "webhook_deliveries" USING btree ("received_at") WHERE "webhook_deliveries"."processed_at" is null;