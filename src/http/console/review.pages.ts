import type { Request, Response } from 'express';
import type { Application } from '../../application/application.ts';
import { pendingReviewOf } from '../../store/console-review.repo.ts';
import { RetryableConflict } from '../../store/status.repo.ts';
import type { AppDeps } from '../app.ts';
import { ROUTES, type RouteHandlers } from '../route-table.ts';
import { CONSOLE_CSP, sendView } from '../views/views.ts';
import { layoutData, sessionOf } from './console-session.ts';
import { nextItemId, REVIEW_PAGE_SIZE, reviewItems } from './review-view.ts';

/**
 * The review page: each feature triage was unsure about beside the feature it may duplicate, with the evidence,
 * and three answers (merge it into the candidate, merge the candidate into it, not a duplicate). Answers go through
 * the same use cases as the API, as the signed-in person; a page of answers is worked through from the keyboard.
 */

type Answer = 'merge' | 'merge-other' | 'dismiss';

const DONE: Record<string, string> = {
  merged: 'Merged: its requests now count for the feature it duplicated.',
  'merged-other': 'Merged the other way: the candidate’s requests now count for this feature.',
  dismissed: 'Marked not a duplicate: it stays a feature of its own and goes to the tracker like any other.',
};

const ERRORS: Record<string, string> = {
  'already-answered': 'Someone answered that one already, so nothing was changed. Here is what is left.',
  'not-merged': 'That merge could not be made: one of the two features was merged into the other meanwhile.',
  conflict: 'One of the features changed while merging. Nothing was changed: look again and answer.',
  'bad-answer': 'Choose one of the three answers: merge, merge the other way, or not a duplicate.',
};

/** The outcome of one answer, as the code the page shows. */
type AnswerCode = 'merged' | 'merged-other' | 'dismissed' | 'already-answered' | 'not-merged' | 'conflict';

async function mergeCode(run: () => ReturnType<Application['merges']['merge']>): Promise<AnswerCode | 'ok'> {
  try {
    const merged = await run();
    if (merged.outcome === 'merged') return 'ok';
    return merged.reason === 'already merged' || merged.reason === 'same feature'
      ? 'already-answered'
      : 'not-merged';
  } catch (err) {
    if (err instanceof RetryableConflict) return 'conflict';
    throw err;
  }
}

/** Carries out one answer to the item `featureId` (whose candidate is `candidateId`) as `actor`. */
async function answerItem(
  { application, store }: AppDeps,
  featureId: string,
  candidateId: string,
  answer: Answer,
  actor: string,
): Promise<AnswerCode> {
  const audit = { by: 'review', actor } as const;
  if (answer === 'dismiss') {
    const dismissed = await application.review.dismiss(featureId, actor);
    return dismissed.outcome === 'dismissed' ? 'dismissed' : 'already-answered';
  }
  if (answer === 'merge') {
    const code = await mergeCode(() => application.merges.merge(featureId, candidateId, 'merge', {}, audit));
    return code === 'ok' ? 'merged' : code;
  }
  // The candidate joins this feature, which survives: its own question is answered by that merge.
  const code = await mergeCode(() => application.merges.merge(candidateId, featureId, 'merge', {}, audit));
  if (code === 'already-answered') {
    // The candidate was merged somewhere: by an answer to this item, or into a third feature (nothing to do here).
    return (await pendingReviewOf(store.db, featureId)) ? 'not-merged' : 'already-answered';
  }
  if (code !== 'ok') return code;
  await application.review.survived(featureId);
  return 'merged-other';
}

type LearningStats = Awaited<ReturnType<Application['dedupeLearning']['stats']>>;

/** The thresholds triage decides with, in one line: each value and whether the team's answers set it. */
function thresholdsLine({ thresholds }: LearningStats): string {
  const from = (t: LearningStats['thresholds']['review']) =>
    t.source === 'answers' ? `from ${t.measuredOn} answers` : 'as configured';
  const answers = thresholds.answers === 1 ? '1 answer' : `${thresholds.answers} answers`;
  return (
    `Triage merges on its own at ${thresholds.autoMerge.value} (${from(thresholds.autoMerge)}) and asks here ` +
    `from ${thresholds.review.value} (${from(thresholds.review)}); ${answers} so far, ` +
    `${thresholds.minimumAnswers} needed before they move.`
  );
}

const backTo = (query: string, nextId: string | undefined) =>
  `/console/review?${query}${nextId ? `#item-${nextId}` : ''}`;

async function reviewPage(
  deps: AppDeps,
  req: Request,
  res: Response,
  query: { done?: string | undefined; error?: string | undefined },
) {
  const page = await deps.application.review.list({ limit: REVIEW_PAGE_SIZE });
  const items = await reviewItems(deps.store.db, page.items);
  const learned = await deps.application.dedupeLearning.stats();
  sendView(
    res,
    'console/review',
    {
      layout: layoutData(req, 'review', 'Review'),
      items,
      more: page.next !== undefined,
      thresholds: thresholdsLine(learned),
      canAnswer: sessionOf(req).role === 'member',
      done: query.done ? DONE[query.done] : undefined,
      error: query.error ? ERRORS[query.error] : undefined,
    },
    { csp: CONSOLE_CSP },
  );
}

export function reviewPages(deps: AppDeps): Pick<RouteHandlers, 'consoleReview' | 'consoleReviewAnswer'> {
  return {
    consoleReview: ({ query }, req, res) => reviewPage(deps, req, res, query),

    consoleReviewAnswer: async ({ params: { id } }, req, res) => {
      const parsed = ROUTES.consoleReviewAnswer.body.schema.safeParse(req.body);
      if (!parsed.success) return void res.redirect(303, backTo('error=bad-answer', id));
      // Where focus goes next is read before the answer takes this item out of the queue.
      const queue = await deps.application.review.list({ limit: REVIEW_PAGE_SIZE });
      const next = nextItemId(queue.items, id);
      const pending = await pendingReviewOf(deps.store.db, id);
      if (!pending) return void res.redirect(303, backTo('error=already-answered', next));
      const code = await answerItem(deps, id, pending.candidateId, parsed.data.answer, sessionOf(req).email);
      if (code === 'not-merged' || code === 'conflict')
        return void res.redirect(303, backTo(`error=${code}`, id));
      res.redirect(303, backTo(code === 'already-answered' ? `error=${code}` : `done=${code}`, next));
    },
  };
}
