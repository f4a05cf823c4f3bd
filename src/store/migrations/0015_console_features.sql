CREATE INDEX "features_requesters_idx" ON "features" USING btree ("requester_count" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "features_revenue_idx" ON "features" USING btree ((coalesce(("score_breakdown" #>> '{terms,revenue,totalRevenue}')::float8, 0)) desc,"id");--> statement-breakpoint
CREATE INDEX "requests_company_idx" ON "requests" USING btree ("company_id","feature_id");