ALTER TABLE "dedupe_learning" ADD COLUMN "evidence" jsonb;--> statement-breakpoint
ALTER TABLE "dedupe_learning" ADD COLUMN "analysis" text;