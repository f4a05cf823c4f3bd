CREATE INDEX "companies_name_prefix_idx" ON "companies" USING btree (lower("name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "requesters_email_key_prefix_idx" ON "requesters" USING btree ("email_key" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "requesters_name_prefix_idx" ON "requesters" USING btree (lower("name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "requesters_name_last_word_idx" ON "requesters" USING btree (lower(substring("name" from '[^[:space:]]+$')) text_pattern_ops);