DROP INDEX "notifications_once_key";--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "occasion" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_once_key" ON "notifications" USING btree ("requester_id","feature_id","status","channel","occasion") WHERE "notifications"."state" <> 'cancelled';