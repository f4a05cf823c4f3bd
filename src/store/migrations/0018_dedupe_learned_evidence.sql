ALTER TABLE "dedupe_learning" ADD COLUMN "evidence" jsonb;--> statement-breakpoint
ALTER TABLE "dedupe_learning" ADD COLUMN "analysis" text;--> statement-breakpoint
ALTER TABLE "dedupe_answers" ADD COLUMN "accepted" boolean;