import type { Config } from '../config/load.ts';
import type { Mailer } from '../connectors/mail/client.ts';
import type { ReplyInSource } from '../connectors/reply-back.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import type { Store } from '../store/store.ts';
import { createNotifyDigestJob } from './jobs/notify-digest.job.ts';
import { createNotifySendJob } from './jobs/notify-send.job.ts';

/**
 * The `notify` queue's job handlers, which a worker process composes (worker-part.ts); the mailer they send with is
 * runtime.ts's, and the outbox policy the application fans out with is built in application/policies.ts.
 * `replyInSource` comes from the intake sources when they provide it.
 */

export function createNotifyHandlers(deps: {
  store: Store;
  queues: Queues;
  mailer: Mailer;
  config: Config;
  replyInSource?: ReplyInSource | undefined;
  metrics: Metrics;
  log: Logger;
}) {
  return {
    'notify-send': createNotifySendJob(deps),
    'notify-digest': createNotifyDigestJob(deps),
  };
}
