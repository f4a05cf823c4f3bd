import type { Config } from '../config/load.ts';
import { createMailer, type Mailer } from '../connectors/mail/client.ts';
import type { ReplyInSource } from '../connectors/reply-back.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import { type ChannelsFor, emailOnly, type NotifyPolicy } from '../store/notify-outbox.repo.ts';
import type { Store } from '../store/store.ts';
import { createNotifyDigestJob } from './jobs/notify-digest.job.ts';
import { createNotifySendJob } from './jobs/notify-send.job.ts';

/**
 * The notification pieces runtime.ts composes: the outbox policy the application fans out with, the mailer,
 * and the `notify` queue's job handlers. `channelsFor` and `replyInSource` come from the intake sources when they
 * provide them; until then every requester hears by email only.
 */

/** The outbox policy, or undefined with `notifications.enabled: false` (no rows are written). */
export function notifyPolicy(
  config: Config,
  {
    channelsFor = emailOnly,
    repliesByMail,
  }: {
    channelsFor?: ChannelsFor | undefined;
    repliesByMail?: ((source: string) => boolean) | undefined;
  },
): NotifyPolicy | undefined {
  if (!config.notifications.enabled) return undefined;
  return {
    statuses: config.notifications.statuses,
    coalesceSeconds: config.notifyCoalesceSeconds,
    messageIdHost: new URL(config.publicUrl).hostname,
    digestHourUtc: config.notifications.digest.hourUtc,
    channelsFor,
    repliesByMail,
  };
}

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
