import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { FEATURE_STATUSES } from '../../domain/status.ts';
import { createdAt, updatedAt } from './columns.ts';
import { features, requesters, requests } from './requests.ts';
import { featureStatusChanges } from './trackers.ts';

/** The notification outbox, stops, suppressions, the service's own secrets and the development outbox. */

export const NOTIFICATION_CHANNELS = ['email', 'source'] as const;
/** `sending`: claimed by a send job and handed to SMTP (or the source); settled `sent` or `failed` after it. */
export const NOTIFICATION_STATES = [
  'pending',
  'sending',
  'sent',
  'failed',
  'suppressed',
  'cancelled',
] as const;

/**
 * The notification outbox: one row per requester, feature, announced status, channel and occasion, written in the
 * transaction that changed the status. The partial unique index is what makes a message go out at most once whatever retries,
 * redelivered webhooks or crashed workers do; `cancelled` rows (a change coalesced away or undone) do not count.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requesterId: uuid('requester_id')
      .notNull()
      .references(() => requesters.id),
    featureId: uuid('feature_id')
      .notNull()
      .references(() => features.id),
    /** The requester's request on this feature, quoted in the message. */
    requestId: uuid('request_id').references(() => requests.id),
    statusChangeId: uuid('status_change_id').references(() => featureStatusChanges.id),
    channel: text('channel', { enum: NOTIFICATION_CHANNELS }).notNull(),
    status: text('status', { enum: FEATURE_STATUSES }).notNull(),
    state: text('state', { enum: NOTIFICATION_STATES }).notNull().default('pending'),
    /** Why it failed, was suppressed or cancelled (an SMTP reply, "unsubscribed", "undone within window"). */
    reason: text('reason'),
    /** Stable for the row's life, so a resend after a crash between sending and recording is recognisable. */
    messageId: text('message_id').notNull(),
    /** Not sent before this (the coalescing window, or the next digest). */
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    /**
     * Empty for news of a status; for a step back a person took (an issue reopened, an unmerge), the status change
     * it tells of: the requester hears "being built again" though they were told "being built" before.
     */
    occasion: text('occasion').notNull().default(''),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('notifications_once_key')
      .on(t.requesterId, t.featureId, t.status, t.channel, t.occasion)
      .where(sql`${t.state} <> 'cancelled'`),
    index('notifications_due_idx').on(t.dueAt).where(sql`${t.state} = 'pending'`),
    // The redrive looks for sends that never finished (a worker died mid-send).
    index('notifications_sending_idx').on(t.updatedAt).where(sql`${t.state} = 'sending'`),
    index('notifications_feature_idx').on(t.featureId),
    index('notifications_requester_idx').on(t.requesterId),
  ],
);

/** A requester's "stop": for one feature, or (feature null) for all mail. */
export const unsubscribes = pgTable(
  'unsubscribes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requesterId: uuid('requester_id')
      .notNull()
      .references(() => requesters.id),
    featureId: uuid('feature_id').references(() => features.id),
    /** How: the unsubscribe page, RFC 8058 one-click, or the API. */
    via: text('via').notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('unsubscribes_key').on(t.requesterId, t.featureId).nullsNotDistinct()],
);

/** Addresses no mail goes to (a hard bounce, a complaint), by lowercased email. */
export const mailSuppressions = pgTable('mail_suppressions', {
  emailKey: text('email_key').primaryKey(),
  reason: text('reason').notNull(),
  createdAt: createdAt(),
});

/** Secrets the service makes for itself on first start (the token signing key), shared by every process. */
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});

/** Without SMTP_URL (development) messages are rendered here and shown at /dev/mail. */
export const devMail = pgTable(
  'dev_mail',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    messageId: text('message_id').notNull().unique(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    /** The whole RFC 5322 message as it would have been sent. */
    raw: text('raw').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('dev_mail_created_idx').on(t.createdAt)],
);
