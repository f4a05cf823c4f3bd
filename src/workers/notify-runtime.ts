import type { Config } from '../config/load.ts';
import { createMailer, type Mailer } from '../connectors/mail/client.ts';
import type { ReplyInSource } from '../connectors/reply-back.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import type { Store } from '../store/store.ts';
import { createNotifyDigestJob } from './jobs/notify-digest.job.ts';
import { createNotifySendJob } from './jobs/notify-send.job.ts';

/**
 * The notification pieces runtime.ts composes: the mailer and the `notify` queue's job handlers (the outbox policy
 * the application fans out with is built in application/policies.ts). `replyInSource` comes from the intake sources
 * when they provide it.
 */

export function createNotifyMailer(config: Config, store: Store): Mailer {
  return createMailer({
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    replyTo: config.notifications.replyTo,
    saveDevMail: (mail) => store.devMail.save(mail),
  });
}

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
