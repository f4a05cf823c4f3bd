import { asc, eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import type { Tx } from './feature-writes.ts';
import { auditEvents } from './schema.ts';

/**
 * Who did what (store/schema/console.ts `audit_events`): written in the unit of work of the action it records, so
 * an action and its record commit together.
 */

/** A console user's email address, or `api key <id>` for a machine. */
export type Actor = string;

export type AuditAction = (typeof auditEvents.$inferInsert)['action'];

export interface AuditEvent {
  actor: Actor;
  action: AuditAction;
  featureId?: string | null;
  requesterId?: string | null;
  detail?: Record<string, unknown>;
}

/** The actor an API request acts as: its key's id, never the key. */
export function apiKeyActor(apiKeyId: string | undefined): Actor {
  return `api key ${apiKeyId ?? 'unknown'}`;
}

export async function recordAudit(tx: Tx | Db, event: AuditEvent): Promise<void> {
  await tx.insert(auditEvents).values({
    actor: event.actor,
    action: event.action,
    featureId: event.featureId ?? null,
    requesterId: event.requesterId ?? null,
    detail: event.detail ?? {},
  });
}

/** A feature's recorded actions, oldest first. */
export function auditForFeature(db: Db, featureId: string) {
  return db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.featureId, featureId))
    .orderBy(asc(auditEvents.at));
}
