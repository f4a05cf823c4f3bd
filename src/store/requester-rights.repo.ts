import type { DedupeEngine } from '../rules/dedupe/engine.ts';
import type { Db } from './db.ts';
import { eraseRequester } from './requester-erasure.ts';
import { exportRequester } from './requester-export.ts';

export type { ErasureOutcome } from './requester-erasure.ts';
export { erasedEmail } from './requester-erasure.ts';
export type { RequesterExport } from './requester-export.ts';

/** A requester's rights over their data: a copy of all of it (export), and its erasure. */
export function createRequesterRightsRepo(db: Db, { dedupe }: { dedupe: DedupeEngine }) {
  return {
    export: (requesterId: string) => exportRequester(db, requesterId),
    erase: (requesterId: string) => eraseRequester(db, dedupe, requesterId),
  };
}

export type RequesterRightsRepo = ReturnType<typeof createRequesterRightsRepo>;
