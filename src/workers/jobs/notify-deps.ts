import type { Config } from '../../config/load.ts';
import type { Mailer } from '../../connectors/mail/client.ts';
import type { ReplyInSource } from '../../connectors/reply-back.ts';
import type { Logger } from '../../log.ts';
import type { Metrics } from '../../metrics.ts';
import type { Queues } from '../../queue/queues.ts';
import { tokenKeyOnce } from '../../store/secrets.repo.ts';
import type { Store } from '../../store/store.ts';

/** What the notify jobs are built from (runtime.ts). */
export interface NotifyDeps {
  store: Store;
  queues: Queues;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl' | 'notifications'>;
  replyInSource?: ReplyInSource | undefined;
  metrics: Metrics;
  log: Logger;
  now?: () => number;
}

/** The notify dependencies, with the clock and the key that signs the message's links. */
export interface NotifyContext extends NotifyDeps {
  now: () => number;
  tokenKey: ReturnType<typeof tokenKeyOnce>;
}

export function notifyContext(deps: NotifyDeps): NotifyContext {
  return { ...deps, now: deps.now ?? (() => Date.now()), tokenKey: tokenKeyOnce(deps.store.db) };
}

/** Metric label for why a row was suppressed (the reason text itself can name an SMTP reply). */
export function suppressedKind(reason: string): string {
  if (reason.startsWith('requester erased')) return 'erased';
  if (reason.startsWith('unsubscribed')) return 'unsubscribed';
  return 'address_suppressed';
}
