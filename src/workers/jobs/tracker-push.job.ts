import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { Application } from '../../application/application.ts';
import type { Config } from '../../config/load.ts';
import { ConnectorError } from '../../connectors/errors.ts';
import type { CreatedIssue, IssueContent, Tracker, TrackerIssueRef } from '../../connectors/tracker.ts';
import type { Trackers } from '../../connectors/tracker-registry.ts';
import type { FeatureDemand, PushTarget, TrackerIssueState } from '../../domain/tracker.ts';
import { errorForLog, type Logger } from '../../log.ts';
import type { JobPayload } from '../../queue/catalog.ts';
import type { Queues } from '../../queue/queues.ts';
import { schedulePush } from '../../queue/schedule-push.ts';
import { priorityFromScore } from '../../rules/demand.ts';
import type { TrackerLink } from '../../store/links.repo.ts';
import type { Store } from '../../store/store.ts';
import { issueRefOf, settleDuplicate } from './tracker-duplicate-push.ts';
import { settlePushFailure } from './tracker-push-failure.ts';
import { carryCustomerRequests, type PageWatch, unpushedPage } from './tracker-push-requests.ts';
import { createTriageWaiter, type TriageWaiter } from './tracker-push-wait.ts';

/**
 * Jira's search is eventually consistent: right after a create, a search for it may not see it yet. A retry
 * that cannot find the issue an earlier attempt may have made waits this long after that attempt before creating.
 */
export const JIRA_CREATE_GRACE_MS = 60_000;

/** The Jira site's configured custom fields (`trackers.jira[].customFields`), filled from the demand. */
function jiraCustomFields(
  config: Pick<Config, 'trackers'>,
  site: string,
  demand: FeatureDemand,
): Record<string, number> | undefined {
  const fields = config.trackers.jira.find((s) => s.site === site)?.customFields;
  if (!fields) return undefined;
  const values: Record<string, number> = {};
  if (fields.score) values[fields.score] = demand.score;
  if (fields.requestCount) values[fields.requestCount] = demand.requestCount;
  if (fields.revenue) values[fields.revenue] = demand.totalRevenue;
  return Object.keys(values).length > 0 ? values : undefined;
}

/** Where an issue links back to: the feature's console page (a signed-out visitor signs in and comes back). */
export function featureUrl(publicUrl: string, featureId: string): string {
  return `${publicUrl}/console/features/${featureId}`;
}

/** What a push reads from and writes to. */
interface TrackerPushDeps {
  store: Store;
  application: Application;
  trackers: Trackers;
  queues: Queues;
  config: Pick<Config, 'push' | 'publicUrl' | 'trackers'>;
  log: Logger;
  now: () => number;
  /** Holds back pushes whose window's requests are still being triaged (tracker-push-wait.ts). */
  waiter: TriageWaiter;
}

/** What this push writes: the issue's content, its title, the feature it links back to, and the content's hash. */
interface PushPlan {
  content: IssueContent;
  title: string;
  ownFeatureId: string;
  ownUrl: string;
  hash: string;
}

type PushResult = { skipped: string } | { unlinked: string | null } | { issueKey: string; created: boolean };

/**
 * Load → decide → apply → checkpoint for one link: create the issue if it has none (finding the one a crashed
 * attempt made first), rewrite our demand section when it changed, carry new requests as customer requests, then
 * record what was pushed. Every step is safe to repeat, so a job killed at any line and run again ends the same.
 */
export function createTrackerPushJob({
  now = () => Date.now(),
  ...deps
}: Omit<TrackerPushDeps, 'now' | 'waiter'> & { now?: () => number }) {
  const waiter = createTriageWaiter({ ...deps, now });
  return (payload: JobPayload<'tracker-push'>) => pushLink({ ...deps, now, waiter }, payload);
}

async function pushLink(deps: TrackerPushDeps, payload: JobPayload<'tracker-push'>): Promise<PushResult> {
  const read = await deps.store.links.get(payload.linkId);
  if (!read || read.state === 'unlinked') return { skipped: 'no live link' };
  if (read.markLostAt) return markLost(deps.log, read);
  const tracker = deps.trackers.get(read.kind, read.site);
  if (!tracker) throw new UnrecoverableError(`no ${read.kind} tracker "${read.site}" is configured`);
  if (await deps.waiter.defer(payload, read)) return { skipped: 'waiting for its requests to be triaged' };
  deps.waiter.forget(read.id);
  // A merge closes the issue as a duplicate (then this push is done), an unmerge reopens it (then it carries its
  // feature's demand again, below).
  let link = read;
  try {
    const carry = (l: TrackerLink, t: Tracker, ref: TrackerIssueRef) =>
      carryCustomerRequests(deps, l, t, ref);
    const duplicate = await settleDuplicate(deps, read, tracker, carry);
    if ('done' in duplicate) {
      await pushAgainIfChanged(deps, payload, true);
      return duplicate.done;
    }
    link = duplicate.link;
  } catch (caught) {
    return await settlePushFailure(deps, read, tracker, caught);
  }
  const plan = await planPush(deps, link);
  if ('skipped' in plan) return plan;
  try {
    return await applyPush(deps, payload, link, tracker, plan);
  } catch (caught) {
    return await settlePushFailure(deps, link, tracker, caught);
  }
}

/** Known to be another's issue now (its mark is gone): nothing of this feature is written to it. */
function markLost(log: Logger, link: TrackerLink): { skipped: string } {
  log.info(
    { linkId: link.id, featureId: link.featureId, issueKey: link.issueKey },
    'push skipped: the issue lost its mark',
  );
  return { skipped: "the issue no longer carries this link's mark" };
}

/** The content and title this push writes, from the feature's demand; skipped when the feature is gone or merged. */
async function planPush(
  { store, config }: TrackerPushDeps,
  link: TrackerLink,
): Promise<PushPlan | { skipped: string }> {
  const url = featureUrl(config.publicUrl, link.featureId);
  const demand = await store.demand.load(link.featureId, { featureUrl: url });
  if (!demand) return { skipped: 'feature gone' };
  // Merged since this push was queued: its demand lives on the survivor now, whose links carry it.
  if (demand.status === 'merged') return { skipped: 'feature merged' };
  const content: IssueContent = {
    title: demand.title,
    demand,
    labels: [config.push.label],
    priority: priorityFromScore(demand.score, config.push.priority),
    customFields: link.kind === 'jira' ? jiraCustomFields(config, link.site, demand) : undefined,
  };
  // An issue carries its own feature's title: the one a merge brought it from keeps that feature's (and links back
  // there), so renaming that feature (erasure) reaches the issues it owns wherever they moved.
  const ownFeatureId = link.mergedFromFeatureId ?? link.featureId;
  const ownUrl = featureUrl(config.publicUrl, ownFeatureId);
  const title =
    ownFeatureId === link.featureId
      ? demand.title
      : ((await store.features.title(ownFeatureId)) ?? demand.title);
  // No timestamps in the content: unchanged demand hashes the same and makes no tracker call.
  const hash = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  return { content, title, ownFeatureId, ownUrl, hash };
}

async function applyPush(
  deps: TrackerPushDeps,
  payload: JobPayload<'tracker-push'>,
  link: TrackerLink,
  tracker: Tracker,
  plan: PushPlan,
): Promise<PushResult> {
  const { store } = deps;
  const known = issueRefOf(link);
  // Found lost since the link was read (a webhook while the demand loaded): read once more before writing.
  if (known && (await store.links.markLost(link.id))) return markLost(deps.log, link);
  const pages: PageWatch = { full: false };
  const issue = known
    ? { ref: known, created: false, state: await updateIssue(deps, link, tracker, known, plan, pages) }
    : await ensureIssue(deps, link, tracker, plan, pages);
  const { ref, created } = issue;
  // New requests that came in while the create or update ran are left to the next push, due for them; those a
  // create could not carry (the issue exists, a customer request was refused) go now, on the recorded issue.
  const wrote = (created || plan.hash !== link.pushedHash) && !issue.requestsLeft;
  await carryCustomerRequests(deps, link, tracker, ref, { addNew: !wrote, pages });
  const pushed = await store.links.recordPushed(link.id, plan.hash, link.demandVersion, plan.title);
  await applyFirstState(deps, link, tracker, issue, pushed);
  await pushAgainIfChanged(deps, payload, pushed, pages.full);
  return { issueKey: ref.issueKey, created };
}

/**
 * The issue's state where the link has none yet or the push's read showed another. A new issue's state was applied
 * as it was recorded (ensureIssue). An issue the push did not create whose state the push did not see is read,
 * unless another push is due, whose read brings it.
 */
async function applyFirstState(
  deps: TrackerPushDeps,
  link: TrackerLink,
  tracker: Tracker,
  { ref, created, state }: { ref: TrackerIssueRef; created: boolean; state: TrackerIssueState | undefined },
  pushed: { dirtySince: Date | null } | undefined,
): Promise<void> {
  if (created) return;
  if (state) {
    const same = state.statusName === link.statusName && state.category === link.statusCategory;
    if (!same) await applyIfMarked(deps, link, tracker, state);
    return;
  }
  if (link.statusName === null && !pushed?.dirtySince) {
    const read = await readIssueState(deps, link, tracker, ref);
    if (read) await applyIfMarked(deps, link, tracker, read);
  }
}

/**
 * A state the push saw, applied only while the issue still carries the link's mark, as webhooks and reconcile
 * apply theirs (application/tracker-events.ts): an issue someone re-purposed must not send this feature's customers
 * its status. Best effort, as a read would be: the next webhook or reconcile catches up.
 */
async function applyIfMarked(
  { application, log }: TrackerPushDeps,
  link: TrackerLink,
  tracker: Tracker,
  state: TrackerIssueState,
): Promise<void> {
  if (tracker.carriesMark(state, link.idempotencyKey) !== true) {
    log.info(
      { linkId: link.id, issueKey: state.issueKey },
      "the push's read does not show the link's mark; its status is left to webhooks and reconcile",
    );
    return;
  }
  await application.links
    .applyIssueState(state, 'tracker')
    .catch((err: unknown) =>
      log.warn({ linkId: link.id, error: errorForLog(err) }, 'cannot apply the issue state; reconcile will'),
    );
}

/**
 * A link with no issue yet: find the one an earlier attempt created, or create it (with the customer requests not
 * carried yet, where the tracker takes them); then record it on the link.
 */
async function ensureIssue(
  deps: TrackerPushDeps,
  link: TrackerLink,
  tracker: Tracker,
  plan: PushPlan,
  pages: PageWatch,
): Promise<{
  ref: TrackerIssueRef;
  created: boolean;
  state: TrackerIssueState | undefined;
  requestsLeft?: boolean;
}> {
  const { store, log } = deps;
  const target = link.target as PushTarget;
  // A create is recorded as attempted before it is sent: without one, no issue can exist to be found.
  const found = link.createAttemptedAt
    ? await tracker.findCreated({
        target,
        idempotencyKey: link.idempotencyKey,
        attemptedAt: link.createAttemptedAt,
      })
    : undefined;
  const made = found ? undefined : await createIssue(deps, link, tracker, plan, pages);
  const ref = found ?? made?.issue.ref;
  if (!ref) throw new Error('unreachable: no issue found or created');
  // A new issue's state (a Linear create answers it; a Jira one is read) is recorded with the issue when it shows the
  // link's mark: its created webhook never finds the link stateless, which would read the issue again to check.
  const state = made && (made.issue.state ?? (await readIssueState(deps, link, tracker, ref)));
  const marked = state && tracker.carriesMark(state, link.idempotencyKey) === true ? state : undefined;
  const recorded = marked
    ? await deps.application.links.recordCreatedIssue(link.id, link.featureId, ref, marked)
    : { stale: await store.links.recordIssue(link.id, ref), applied: false };
  for (const other of recorded.stale) {
    log.warn(
      { linkId: other.id, featureId: other.featureId, issueKey: other.issueKey, byLinkId: link.id },
      "a link's issue id now names this push's issue; that link was set aside as unlinked",
    );
  }
  if (made) {
    if (state && !recorded.applied) await applyIfMarked(deps, link, tracker, state);
    const carried = made.issue.carriedRequestIds;
    await store.links.recordRequestsPushed(link.id, carried);
    return { ref, created: true, state, requestsLeft: carried.length < made.requested };
  }
  // Recovered after a crash between the create and its record: pushed as an issue we did not create.
  const recovered = { ...link, issueId: ref.issueId, issueKey: ref.issueKey };
  return { ref, created: false, state: await updateIssue(deps, recovered, tracker, ref, plan, pages) };
}

async function createIssue(
  deps: TrackerPushDeps,
  link: TrackerLink,
  tracker: Tracker,
  { content, title }: PushPlan,
  pages: PageWatch,
): Promise<{ issue: CreatedIssue; requested: number }> {
  const { store, log, now } = deps;
  const attempted = link.createAttemptedAt?.getTime();
  if (link.kind === 'jira' && attempted !== undefined && now() - attempted < JIRA_CREATE_GRACE_MS) {
    throw new ConnectorError(
      'transient',
      'jira',
      'an earlier create may not be searchable yet; waiting before creating again',
    );
  }
  const customerRequests = tracker.addCustomerRequests ? await unpushedPage(deps, link, pages) : [];
  await store.links.recordCreateAttempt(link.id);
  const created = await tracker.createIssue({
    ...content,
    title,
    target: link.target as PushTarget,
    featureId: link.featureId,
    idempotencyKey: link.idempotencyKey,
    customerRequests,
  });
  log.info(
    { linkId: link.id, featureId: link.featureId, issueKey: created.ref.issueKey },
    'tracker issue created',
  );
  return { issue: created, requested: customerRequests.length };
}

/**
 * An issue this push did not create: its link back and mark, its demand section with the customer requests not
 * carried yet (one read and one write where the tracker allows), its title. Returns the state the read showed.
 */
async function updateIssue(
  deps: TrackerPushDeps,
  link: TrackerLink,
  tracker: Tracker,
  ref: TrackerIssueRef,
  { content, title, ownFeatureId, ownUrl, hash }: PushPlan,
  pages: PageWatch,
): Promise<TrackerIssueState | undefined> {
  const { store, log } = deps;
  // The first push to an issue we did not just create (recovered after a crash between the create and its
  // link back, linked by hand, imported), or one not yet marked: it links back to the feature and carries the
  // link's mark, so events about it apply only while it still does.
  if (link.pushedAt === null || link.markedAt === null) {
    await tracker.ensureLinkBack(ref, {
      featureId: ownFeatureId,
      featureUrl: ownUrl,
      title,
      idempotencyKey: link.idempotencyKey,
    });
    if (link.markedAt === null) await store.links.recordMarked(link.id);
  }
  let state: TrackerIssueState | undefined;
  if (hash !== link.pushedHash) {
    const pending = tracker.addCustomerRequests ? await unpushedPage(deps, link, pages) : [];
    state = await tracker.updateIssue(ref, content, pending);
    await store.links.recordRequestsPushed(
      link.id,
      pending.map((r) => r.requestId),
    );
  }
  // Renamed since the last push: the issue's title follows while it still reads the one we gave it.
  if (link.pushedTitle !== null && link.pushedTitle !== title) {
    const rewritten = await tracker.retitleIssue(ref, {
      featureId: ownFeatureId,
      featureUrl: ownUrl,
      from: link.pushedTitle,
      to: title,
    });
    log.info({ linkId: link.id, issueKey: ref.issueKey, rewritten }, 'tracker issue retitled');
  }
  return state;
}

/**
 * The issue's state (a new issue's first: Triage, To Do, …), for the push to apply. Best effort: a failure here is
 * caught up by the next webhook or reconcile.
 */
async function readIssueState(
  deps: TrackerPushDeps,
  link: TrackerLink,
  tracker: Tracker,
  ref: TrackerIssueRef,
): Promise<TrackerIssueState | undefined> {
  const state = await tracker.getIssue(ref.issueId).catch((err: unknown) => {
    deps.log.warn(
      { linkId: link.id, error: errorForLog(err) },
      'cannot read the issue state; reconcile will',
    );
    return undefined;
  });
  return state ?? undefined;
}

/**
 * Changes committed while this ran had their push deduplicated into this job: release its id, then look again, so
 * they get one more coalesced push now and anything later queues a job of its own. (An enqueue made before the
 * release, this job's own included, would be dropped.)
 */
async function pushAgainIfChanged(
  { store, queues, config, now }: TrackerPushDeps,
  payload: JobPayload<'tracker-push'>,
  pushed: unknown,
  requestsLeft = false,
): Promise<void> {
  await queues.releaseDeduplication('tracker-push', payload);
  const after = pushed ? await store.links.get(payload.linkId) : undefined;
  // A full page of requests left more behind: the next push carries them although nothing else changed.
  if (after && (after.dirtySince || requestsLeft) && after.state !== 'unlinked') {
    await schedulePush(queues, after, config.push.coalesceSeconds, now());
  }
}
