-- Deliveries keep only the events they mean (ids, keys, status, times); a processed one stored before kept the
-- provider's whole body (issue descriptions quoting customers) and is never read again: it keeps none of it.
UPDATE "webhook_deliveries" SET "payload" = '{"events": []}'::jsonb
WHERE "processed_at" IS NOT NULL AND NOT ("payload" ? 'events');
