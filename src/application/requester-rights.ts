import type { DedupeEngine } from '../rules/dedupe/engine.ts';
import { type Actor, recordAudit } from '../store/audit.repo.ts';
import type { Db } from '../store/db.ts';
import { exportRequester } from '../store/requester-export.ts';
import { type ErasureOutcome, eraseRequester } from './requester-erasure.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/**
 * A requester's rights over their data: a copy of all of it (export), and its erasure in one unit of work, which
 * re-pushes the tracker issues that quoted them once it commits. Both record who asked (audit_events).
 */
export function createRequesterRights({
  db,
  unitOfWork,
  dedupe,
}: {
  db: Db;
  unitOfWork: UnitOfWork;
  dedupe: DedupeEngine;
}) {
  return {
    /** The export, and a record that `actor` took it (an export is a read: recorded once it has been read). */
    async export(requesterId: string, actor: Actor) {
      const data = await exportRequester(db, requesterId);
      if (data) await recordAudit(db, { actor, action: 'export', requesterId });
      return data;
    },
    erase: (requesterId: string, actor: Actor): Promise<ErasureOutcome> =>
      unitOfWork(async (work) => {
        const erased = await eraseRequester(work.tx, dedupe, requesterId);
        if (erased.outcome !== 'erased') return erased;
        work.after.push(erased.dirty);
        await recordAudit(work.tx, {
          actor,
          action: 'erase',
          requesterId,
          detail: { firstTime: erased.firstTime, requests: erased.requestIds.length },
        });
        return erased;
      }),
  };
}
