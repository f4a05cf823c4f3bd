import type { PushTarget } from '../domain/tracker.ts';
import type { DedupeEngine } from '../rules/dedupe/engine.ts';
import type { RouteInput } from '../rules/route.ts';
import { type Actor, recordAudit } from '../store/audit.repo.ts';
import type { Db } from '../store/db.ts';
import { setFeatureTitle } from '../store/feature-edits.repo.ts';
import { markLinksDirty } from '../store/feature-writes.ts';
import { createLinksRepo, type TrackerLink } from '../store/links.repo.ts';
import { lockFeatures } from '../store/status-change.ts';
import { relearnAfterTitleEdit } from './dedupe-learning.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/**
 * What a person does to one feature by hand that leaves no record of its own: retitle it, push it now, export its
 * requests. Each runs in one unit of work with its audit event, so the action and the record of who did it commit
 * together (or neither does).
 */

/** The longest title a person may set: a summary, not a description. */
export const MAX_TITLE_LENGTH = 300;

type Edited = { outcome: 'edited' } | { outcome: 'not-found' } | { outcome: 'merged'; intoId: string };

type Pushed =
  | { outcome: 'pushed'; link: TrackerLink }
  | { outcome: 'not-found' }
  | { outcome: 'merged'; intoId: string };

/**
 * Sets the feature's title, the product owner's summary (requests keep their words). A push writes the issue's
 * title, so the feature's issues are marked for a push in the same unit of work; an answer that taught dedupe from
 * the title (the feature has no request) teaches from the new one.
 */
async function editTitle(
  { unitOfWork, dedupe }: FeatureEditDeps,
  featureId: string,
  title: string,
  actor: Actor,
) {
  return unitOfWork<Edited>(async (work) => {
    const feature = (await lockFeatures(work.tx, [featureId])).get(featureId);
    if (!feature) return { outcome: 'not-found' };
    if (feature.mergedIntoId) return { outcome: 'merged', intoId: feature.mergedIntoId };
    if (feature.title === title) return { outcome: 'edited' };
    await setFeatureTitle(work.tx, featureId, title);
    // A feature without requests (an imported issue) answered about teaches dedupe from its title.
    await relearnAfterTitleEdit(work.tx, dedupe, featureId);
    await recordAudit(work.tx, { actor, action: 'edit-title', featureId, detail: { title } });
    work.after.push(await markLinksDirty(work.tx, featureId));
    return { outcome: 'edited' };
  });
}

/**
 * A push asked for by hand, past the automatic bar: the live link to the chosen target is marked dirty (or made).
 * `chooseTarget` may throw to refuse (no such tracker): the unit of work rolls back, leaving no pending link. The
 * caller enqueues the push at once (a push waiting out its coalescing window runs now).
 */
async function pushNow(
  unitOfWork: UnitOfWork,
  featureId: string,
  chooseTarget: (input: RouteInput) => PushTarget,
  actor: Actor,
) {
  return unitOfWork<Pushed>(async (work) => {
    // The links repository on this transaction: its own transaction becomes a savepoint inside this one.
    const result = await createLinksRepo(work.tx as unknown as Db).requestPush(featureId, chooseTarget);
    if (result.outcome !== 'pushed') return result;
    const { link } = result;
    await recordAudit(work.tx, {
      actor,
      action: 'push',
      featureId,
      detail: { linkId: link.id, tracker: link.kind, site: link.site, issueKey: link.issueKey },
    });
    return result;
  });
}

/** Records that `actor` exported the feature's requests (the export itself is a read). */
async function recordExport(unitOfWork: UnitOfWork, featureId: string, actor: Actor, requests: number) {
  await unitOfWork(async (work) => {
    await recordAudit(work.tx, { actor, action: 'export', featureId, detail: { requests } });
  });
}

interface FeatureEditDeps {
  unitOfWork: UnitOfWork;
  /** The engine dedupe learns with: a title an answer taught from is learned again. */
  dedupe: DedupeEngine;
}

/** The feature edits, bound to their unit of work. */
export function createFeatureEdits(deps: FeatureEditDeps) {
  const { unitOfWork } = deps;
  return {
    editTitle: (featureId: string, title: string, actor: Actor) => editTitle(deps, featureId, title, actor),
    pushNow: (featureId: string, chooseTarget: (input: RouteInput) => PushTarget, actor: Actor) =>
      pushNow(unitOfWork, featureId, chooseTarget, actor),
    recordExport: (featureId: string, actor: Actor, requests: number) =>
      recordExport(unitOfWork, featureId, actor, requests),
  };
}

export type FeatureEdits = ReturnType<typeof createFeatureEdits>;
