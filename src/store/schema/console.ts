import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.ts';
import { features, requesters } from './requests.ts';

/** The console's people: their sessions, sign-ins under way, and what each of them did. */

export const CONSOLE_ROLES = ['member', 'viewer'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/**
 * A signed-in browser. The cookie holds a random id; only its SHA-256 is stored, so a copy of the table signs no
 * one in. Revoked or past `expiresAt`, it signs no one in either.
 */
export const consoleSessions = pgTable(
  'console_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    email: text('email').notNull(),
    name: text('name'),
    role: text('role', { enum: CONSOLE_ROLES }).notNull(),
    /** How they signed in. */
    via: text('via', { enum: ['oidc', 'email', 'local'] }).notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('console_sessions_email_idx').on(t.email)],
);

/**
 * A sign-in under way: an OpenID Connect authorization (its state, nonce and PKCE verifier, keyed by the state's
 * hash) or an emailed one-time link (keyed by its token's hash). Used once, then `usedAt` is set.
 */
export const consoleSignIns = pgTable('console_sign_ins', {
  idHash: text('id_hash').primaryKey(),
  kind: text('kind', { enum: ['oidc', 'email'] }).notNull(),
  /** The address an email link was sent to. */
  email: text('email'),
  nonce: text('nonce'),
  codeVerifier: text('code_verifier'),
  /** The console path to go back to once signed in. */
  returnTo: text('return_to').notNull().default('/console'),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});

/**
 * Who did what, for actions that leave no record of their own (merges keep theirs in feature_merges): dismissals,
 * pushes, links, unlinks, title edits, exports and erasures. The feature's history reads it.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** A console user's email, or `api key <id>` for a machine. */
    actor: text('actor').notNull(),
    action: text('action', {
      enum: ['dismiss', 'push', 'link', 'unlink', 'edit-title', 'export', 'erase', 'merge', 'unmerge'],
    }).notNull(),
    featureId: uuid('feature_id').references(() => features.id),
    requesterId: uuid('requester_id').references(() => requesters.id, { onDelete: 'set null' }),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('audit_events_feature_idx').on(t.featureId, t.at),
    index('audit_events_requester_idx').on(t.requesterId),
  ],
);
