import type { DedupeEngine } from '../rules/dedupe/engine.ts';
import { type Actor, recordAudit } from '../store/audit.repo.ts';
import { reviewCandidateOf } from '../store/console-review.repo.ts';
import { reviewQuestionOf } from '../store/dedupe-answers.repo.ts';
import type { DirtyLink } from '../store/feature-writes.ts';
import { dismissReview, expiredHolds } from '../store/review.repo.ts';
import type { Store } from '../store/store.ts';
import { recordDismissAnswer } from './dedupe-learning.ts';
import { markForPush, type PushPolicy } from './push-bar.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/**
 * What ends a review hold (see push-bar.ts): a person saying "not a duplicate", or the hold running out. Either way
 * the feature is then pushed like any other that passes the bar, in the same unit of work. (A merge ends it too:
 * the feature's demand goes to the feature it joins, which merges.ts re-pushes.)
 */

/** Features released per run: the redrive runs again soon for the rest. */
const RELEASE_BATCH = 200;

type DismissOutcome = { outcome: 'dismissed'; links: DirtyLink[] } | { outcome: 'not-found' };

export function createReview({
  store,
  unitOfWork,
  dedupe,
  push,
  holdSeconds,
}: {
  store: Pick<Store, 'review'>;
  unitOfWork: UnitOfWork;
  /** What a "not a duplicate" teaches is read with triage's analysis. */
  dedupe: DedupeEngine;
  /** Absent: this process pushes nothing (no routing, or a split sandbox process). */
  push: PushPolicy | undefined;
  /** `push.holdForReview`, for what the review list shows. */
  holdSeconds: number;
}) {
  return {
    /** A page of the review queue, each item saying whether it is held from the tracker and until when. */
    list: (query: { limit: number; after?: string | undefined }) =>
      store.review.list({ ...query, holdSeconds }),

    /**
     * "Not a duplicate": the feature leaves the queue and, passing the bar, gets its link and push now. Who said so
     * is recorded with both features, in the same unit of work, and so is the answer dedupe learns from: the two
     * are different needs, never proposed as one again.
     */
    dismiss(featureId: string, actor: Actor): Promise<DismissOutcome> {
      return unitOfWork(async (work) => {
        const candidateId = await reviewCandidateOf(work.tx, featureId);
        const question = candidateId ? await reviewQuestionOf(work.tx, featureId, candidateId) : undefined;
        if (!candidateId || !(await dismissReview(work.tx, featureId)))
          return { outcome: 'not-found' } as const;
        await recordAudit(work.tx, { actor, action: 'dismiss', featureId, detail: { candidateId } });
        await recordDismissAnswer(work.tx, dedupe, { itemId: featureId, candidateId, actor }, question);
        const links = push ? await markForPush(work.tx, featureId, push) : [];
        work.after.push(links);
        return { outcome: 'dismissed', links } as const;
      });
    },

    /**
     * The candidate was merged into this feature (review answered "the other way"): its question is answered, so
     * it leaves the queue and, passing the bar, is pushed now. The merge's own record says who decided.
     */
    survived(featureId: string): Promise<DismissOutcome> {
      return unitOfWork(async (work) => {
        if (!(await dismissReview(work.tx, featureId))) return { outcome: 'not-found' } as const;
        const links = push ? await markForPush(work.tx, featureId, push) : [];
        work.after.push(links);
        return { outcome: 'dismissed', links } as const;
      });
    },

    /**
     * Features whose review hold ran out with nobody deciding, that pass the bar and have no link: each gets its
     * link and a push, in one unit of work (its issue says what it may duplicate). Returns the features released.
     */
    async releaseExpiredHolds(): Promise<string[]> {
      if (!push) return [];
      return unitOfWork(async (work) => {
        const due = await expiredHolds(work.tx, {
          holdSeconds: push.holdForReviewSeconds,
          minRequests: push.minRequests,
          minScore: push.minScore,
          limit: RELEASE_BATCH,
        });
        const released: string[] = [];
        for (const featureId of due) {
          const links = await markForPush(work.tx, featureId, push);
          if (links.length > 0) released.push(featureId);
          work.after.push(links);
        }
        return released;
      });
    },
  };
}
