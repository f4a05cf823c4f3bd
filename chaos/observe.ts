import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { STATIC_QUEUES, trackerQueueName } from '../src/queue/catalog.ts';
import { TRACKER_KINDS } from './emulators.ts';

/**
 * What the suite reads to judge a run: the service's database (read-only queries), the BullMQ job schedulers in
 * the run's Redis, and (in emulators.ts and the SMTP server) what the outside world received.
 */

interface RequestRow {
  id: string;
  triaged: boolean;
  decisions: number;
}

export interface LinkRow {
  featureId: string;
  kind: 'jira' | 'linear';
  state: string;
  dirty: boolean;
  idempotencyKey: string;
  issueId: string | null;
  issueKey: string | null;
  featureStatus: string;
  /** The last push error recorded on the link (kind: message), for a report that says why. */
  lastError: string | null;
}

export interface NotificationRow {
  state: string;
  messageId: string;
}

export interface DatabaseView {
  requests: RequestRow[];
  /** Rows in `requests` (also ones the suite never heard a 202 for). */
  storedRequests: number;
  links: LinkRow[];
  notifications: NotificationRow[];
  unprocessedWebhooks: number;
}

export async function readDatabase(pool: pg.Pool, acceptedIds: readonly string[]): Promise<DatabaseView> {
  const requests = await pool.query<RequestRow>(
    `select r.id, r.triaged_at is not null as triaged, count(d.id)::int as decisions
       from requests r left join triage_decisions d on d.request_id = r.id
      where r.id = any($1::uuid[]) group by r.id, r.triaged_at`,
    [acceptedIds],
  );
  const stored = await pool.query<{ n: number }>('select count(*)::int as n from requests');
  const links = await pool.query<LinkRow>(
    `select l.feature_id as "featureId", l.kind, l.state, l.dirty_since is not null as dirty,
            l.idempotency_key as "idempotencyKey", l.issue_id as "issueId", l.issue_key as "issueKey",
            f.status as "featureStatus", l.last_error_kind || ': ' || l.last_error as "lastError"
       from tracker_links l join features f on f.id = l.feature_id`,
  );
  const notifications = await pool.query<NotificationRow>(
    `select state, message_id as "messageId" from notifications where channel = 'email'`,
  );
  const webhooks = await pool.query<{ n: number }>(
    'select count(*)::int as n from webhook_deliveries where processed_at is null',
  );
  return {
    requests: requests.rows,
    storedRequests: stored.rows[0]?.n ?? 0,
    links: links.rows,
    notifications: notifications.rows,
    unprocessedWebhooks: webhooks.rows[0]?.n ?? 0,
  };
}

/** The queues a run's processes use: the static ones and one per configured tracker (both `default`). */
function queueNames(): string[] {
  return [...STATIC_QUEUES, ...TRACKER_KINDS.map((kind) => trackerQueueName(kind, 'default'))];
}

/** Every BullMQ job scheduler, as `queue/scheduler id` (tracker reconcile per site, rescore, …). */
export async function readSchedules(redisUrl: string, prefix: string): Promise<string[]> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  connection.on('error', () => {});
  await connection.connect();
  try {
    const found: string[] = [];
    for (const name of queueNames()) {
      const queue = new Queue(name, { connection, prefix });
      try {
        for (const scheduler of await queue.getJobSchedulers()) found.push(`${name}/${scheduler.key}`);
      } finally {
        await queue.close();
      }
    }
    return found.sort();
  } finally {
    connection.disconnect();
  }
}
