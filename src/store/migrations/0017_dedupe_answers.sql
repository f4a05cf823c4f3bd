CREATE TABLE "dedupe_answers" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "dedupe_answers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"request_id" uuid,
	"candidate_request_id" uuid,
	"request_feature_id" uuid NOT NULL,
	"candidate_feature_id" uuid NOT NULL,
	"answer" text NOT NULL,
	"cause" text NOT NULL,
	"scores" jsonb,
	"actor" text,
	"merge_id" uuid,
	"answered_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dedupe_learning" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"generation" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "dedupe_learning_one_row" CHECK ("dedupe_learning"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "dedupe_answers" ADD CONSTRAINT "dedupe_answers_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dedupe_answers" ADD CONSTRAINT "dedupe_answers_candidate_request_id_requests_id_fk" FOREIGN KEY ("candidate_request_id") REFERENCES "public"."requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dedupe_answers" ADD CONSTRAINT "dedupe_answers_request_feature_id_features_id_fk" FOREIGN KEY ("request_feature_id") REFERENCES "public"."features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dedupe_answers" ADD CONSTRAINT "dedupe_answers_candidate_feature_id_features_id_fk" FOREIGN KEY ("candidate_feature_id") REFERENCES "public"."features"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dedupe_answers" ADD CONSTRAINT "dedupe_answers_merge_id_feature_merges_id_fk" FOREIGN KEY ("merge_id") REFERENCES "public"."feature_merges"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dedupe_answers_merge_idx" ON "dedupe_answers" USING btree ("merge_id");