import type { DedupeEngine } from '../rules/dedupe/engine.ts';
import type { Db } from '../store/db.ts';
import { exportRequester } from '../store/requester-export.ts';
import { type ErasureOutcome, eraseRequester } from './requester-erasure.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/**
 * A requester's rights over their data: a copy of all of it (export), and its erasure in one unit of work, which
 * re-pushes the tracker issues that quoted them once it commits.
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
    export: (requesterId: string) => exportRequester(db, requesterId),
    erase: (requesterId: string): Promise<ErasureOutcome> =>
      unitOfWork(async (work) => {
        const erased = await eraseRequester(work.tx, dedupe, requesterId);
        if (erased.outcome === 'erased') work.after.push(erased.dirty);
        return erased;
      }),
  };
}
