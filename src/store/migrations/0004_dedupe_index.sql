-- Typo look-ups in the dedupe vocabulary (trusted extension: a database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TABLE "dedupe_corpus" (
	"id" integer PRIMARY KEY NOT NULL,
	"documents" integer NOT NULL,
	"title_length_sum" double precision NOT NULL,
	"body_length_sum" double precision NOT NULL,
	"analysis" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dedupe_documents" (
	"id" text PRIMARY KEY NOT NULL,
	"feature_id" uuid NOT NULL,
	"title_length" integer NOT NULL,
	"body_length" integer NOT NULL,
	"terms" jsonb NOT NULL,
	"title_grams" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dedupe_postings" (
	"term" text NOT NULL,
	"document_id" text NOT NULL,
	"title_tf" integer NOT NULL,
	"body_tf" integer NOT NULL,
	"title_length" integer NOT NULL,
	"body_length" integer NOT NULL,
	CONSTRAINT "dedupe_postings_term_document_id_pk" PRIMARY KEY("term","document_id")
);
--> statement-breakpoint
CREATE TABLE "dedupe_terms" (
	"term" text PRIMARY KEY NOT NULL,
	"df" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feature_merges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"from_feature_id" uuid NOT NULL,
	"into_feature_id" uuid NOT NULL,
	"cause" text NOT NULL,
	"actor" text,
	"from_status" text NOT NULL,
	"request_ids" uuid[] NOT NULL,
	"link_ids" uuid[] NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"undone_at" timestamp with time zone,
	"undone_by" text
);
--> statement-breakpoint
ALTER TABLE "features" ADD COLUMN "score_breakdown" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "features" ADD COLUMN "scored_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "features" ADD COLUMN "possible_duplicate_of_id" uuid;--> statement-breakpoint
ALTER TABLE "features" ADD COLUMN "possible_duplicate_score" double precision;--> statement-breakpoint
ALTER TABLE "features" ADD COLUMN "possible_duplicate_evidence" jsonb;--> statement-breakpoint
ALTER TABLE "features" ADD COLUMN "reviewed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "important" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "dedupe_documents" ADD CONSTRAINT "dedupe_documents_feature_id_features_id_fk" FOREIGN KEY ("feature_id") REFERENCES "public"."features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dedupe_postings" ADD CONSTRAINT "dedupe_postings_document_id_dedupe_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."dedupe_documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feature_merges" ADD CONSTRAINT "feature_merges_from_feature_id_features_id_fk" FOREIGN KEY ("from_feature_id") REFERENCES "public"."features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feature_merges" ADD CONSTRAINT "feature_merges_into_feature_id_features_id_fk" FOREIGN KEY ("into_feature_id") REFERENCES "public"."features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dedupe_documents_feature_idx" ON "dedupe_documents" USING btree ("feature_id");--> statement-breakpoint
CREATE INDEX "dedupe_postings_document_idx" ON "dedupe_postings" USING btree ("document_id");--> statement-breakpoint
CREATE INDEX "dedupe_postings_term_cover_idx" ON "dedupe_postings" USING btree ("term","document_id","title_tf","body_tf","title_length","body_length");--> statement-breakpoint
CREATE INDEX "dedupe_terms_trgm_idx" ON "dedupe_terms" USING gin ("term" gin_trgm_ops) WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "feature_merges_from_idx" ON "feature_merges" USING btree ("from_feature_id","created_at");--> statement-breakpoint
CREATE INDEX "feature_merges_into_idx" ON "feature_merges" USING btree ("into_feature_id");--> statement-breakpoint
CREATE INDEX "features_review_idx" ON "features" USING btree ("created_at") WHERE "features"."possible_duplicate_of_id" is not null and "features"."reviewed_at" is null and "features"."merged_into_id" is null;