CREATE TABLE "companies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"name" text,
	"domain" text,
	"revenue" double precision,
	"tier" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "companies_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "features" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"title_key" text NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"score" double precision DEFAULT 0 NOT NULL,
	"request_count" integer DEFAULT 0 NOT NULL,
	"requester_count" integer DEFAULT 0 NOT NULL,
	"company_count" integer DEFAULT 0 NOT NULL,
	"last_requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "requesters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"email_key" text NOT NULL,
	"name" text,
	"external_id" text,
	"company_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "requesters_email_key_unique" UNIQUE("email_key")
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"source_ref" text,
	"idempotency_scope" text,
	"idempotency_key" text,
	"payload_hash" text NOT NULL,
	"title" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"url" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"submitted_requester" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"requester_id" uuid,
	"company_id" uuid,
	"feature_id" uuid,
	"triaged_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "triage_decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"feature_id" uuid NOT NULL,
	"action" text NOT NULL,
	"method" text NOT NULL,
	"score" double precision NOT NULL,
	"evidence" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "triage_decisions_request_id_unique" UNIQUE("request_id")
);
--> statement-breakpoint
ALTER TABLE "requesters" ADD CONSTRAINT "requesters_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_requester_id_requesters_id_fk" FOREIGN KEY ("requester_id") REFERENCES "public"."requesters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "requests" ADD CONSTRAINT "requests_feature_id_features_id_fk" FOREIGN KEY ("feature_id") REFERENCES "public"."features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "triage_decisions" ADD CONSTRAINT "triage_decisions_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "triage_decisions" ADD CONSTRAINT "triage_decisions_feature_id_features_id_fk" FOREIGN KEY ("feature_id") REFERENCES "public"."features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "features_title_key_idx" ON "features" USING btree ("title_key");--> statement-breakpoint
CREATE INDEX "features_score_idx" ON "features" USING btree ("score" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "features_recent_idx" ON "features" USING btree ("last_requested_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "requesters_company_idx" ON "requesters" USING btree ("company_id");--> statement-breakpoint
CREATE UNIQUE INDEX "requests_source_ref_key" ON "requests" USING btree ("source","source_ref") WHERE "requests"."source_ref" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "requests_idempotency_key" ON "requests" USING btree ("idempotency_scope","idempotency_key") WHERE "requests"."idempotency_key" is not null;--> statement-breakpoint
CREATE INDEX "requests_untriaged_idx" ON "requests" USING btree ("created_at") WHERE "requests"."triaged_at" is null;--> statement-breakpoint
CREATE INDEX "requests_feature_idx" ON "requests" USING btree ("feature_id");--> statement-breakpoint
CREATE INDEX "requests_requester_idx" ON "requests" USING btree ("requester_id");