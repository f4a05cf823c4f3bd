import type { IntakeItem, PullPage } from '../connectors/intake-source.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import { scheduleTriageAfterCommit } from '../queue/schedule-triage.ts';
import { checkIntakeItem } from '../rules/intake-item.ts';
import type { StoredPage } from '../store/intake.repo.ts';
import type { Store } from '../store/store.ts';

export interface IntakeWriterDeps {
  store: Pick<Store, 'intake'>;
  queues: Pick<Queues, 'enqueue'>;
  metrics: Pick<Metrics, 'sourceItems'>;
  log: Logger;
  now?: () => Date;
}

/**
 * Stores what a source brought (a pulled page or a webhook delivery): checks each item, stores the good ones with
 * the cursor move in one transaction, logs each rejected item's ref and reason (never its text), then enqueues
 * triage for the new requests after the commit, as `POST /v1/requests` does (the untriaged redrive covers a
 * lost enqueue).
 */
export function createIntakeWriter({
  store,
  queues,
  metrics,
  log,
  now = () => new Date(),
}: IntakeWriterDeps) {
  return async function write(
    sourceId: string,
    page: { items: IntakeItem[]; rejected: PullPage['rejected'] },
    move: { expectedCursor: string | null; cursor: string | null } | undefined,
  ): Promise<StoredPage & { rejected: number }> {
    const good: IntakeItem[] = [];
    const rejected = [...page.rejected];
    for (const item of page.items) {
      const verdict = checkIntakeItem(item);
      if (verdict.ok) good.push(verdict.item);
      else rejected.push({ ref: verdict.ref, reason: verdict.reason });
    }
    const stored = await store.intake.storePage(sourceId, good, move, now());
    if (!stored.cursorAdvanced) return { ...stored, rejected: 0 };
    for (const r of rejected) log.warn({ sourceId, ref: r.ref, reason: r.reason }, 'source item rejected');
    metrics.sourceItems.inc({ source: sourceId, outcome: 'rejected' }, rejected.length);
    metrics.sourceItems.inc({ source: sourceId, outcome: 'created' }, stored.created.length);
    metrics.sourceItems.inc({ source: sourceId, outcome: 'replayed' }, stored.replayed);
    await scheduleTriageAfterCommit(queues, stored.created, log);
    if (good.length || rejected.length) {
      log.info(
        { sourceId, created: stored.created.length, replayed: stored.replayed, rejected: rejected.length },
        'source items stored',
      );
    }
    return { ...stored, rejected: rejected.length };
  };
}

export type IntakeWriter = ReturnType<typeof createIntakeWriter>;
