import type { BacklogIssue, BacklogSelection } from '../../domain/tracker.ts';
import type { DemandOptions } from '../../rules/demand.ts';
import { nameKey } from '../../rules/status-map.ts';
import { ConnectorError } from '../errors.ts';
import type {
  CarriedRequest,
  CreateIssueInput,
  CustomerRequest,
  Tracker,
  TrackerIssueRef,
} from '../tracker.ts';
import { changedIssues, type LinearChangedPage } from './changes.ts';
import { createLinearClient } from './client.ts';
import {
  BACKLOG_ISSUES,
  type BacklogIssues,
  CHANGED_ISSUES,
  type ChangedIssues,
  TEAM_BY_KEY,
  type TeamByKey,
} from './documents.ts';
import { closeAsDuplicate, reopenDuplicate } from './duplicates.ts';
import {
  addCustomerRequests,
  createIssue,
  ensureLinkBack,
  eraseCustomerRequests,
  guarded,
  type LinearContext,
  linearTeam,
  moveCustomerRequests,
  readIssue,
  retitleIssue,
  stateOf,
  updateIssue,
} from './issue-writes.ts';
import { issueIdFor, issueLookupKey, linearCarriesMark, toIssueRef } from './map.ts';
import { checkLinearWorkspace, registerLinearWebhook } from './setup.ts';
import { linearSpec } from './spec.ts';
import { parseLinearWebhook, verifyLinearWebhook } from './webhook.ts';
import { LinearWorkspace, request } from './workspace.ts';

interface LinearTrackerOptions {
  /** The workspace's name in our configuration (`PushTarget.workspace`). */
  site: string;
  apiKey: string;
  apiUrl?: string | undefined;
  /** A label put on every issue we create or update, found or created in the issue's team. */
  label?: string | undefined;
  demand?: DemandOptions | undefined;
}

export interface LinearTracker extends Tracker {
  readonly kind: 'linear';
  addCustomerRequests(ref: TrackerIssueRef, requests: readonly CustomerRequest[]): Promise<void>;
  eraseCustomerRequests(ref: TrackerIssueRef, requests: readonly CarriedRequest[]): Promise<void>;
  moveCustomerRequests(requests: readonly CarriedRequest[], to: TrackerIssueRef | undefined): Promise<void>;
  changedSince(cursor: string | undefined, issueIds: readonly string[]): AsyncIterable<LinearChangedPage>;
  /** Every workflow state name in the workspace (to report configured status names that no longer exist). */
  listStatusNames(): Promise<string[]>;
}

export function createLinearTracker(options: LinearTrackerOptions): LinearTracker {
  const { site } = options;
  const client = createLinearClient(options);
  const ctx: LinearContext = {
    site,
    client,
    workspace: new LinearWorkspace(client),
    label: options.label,
    demand: options.demand,
  };
  return {
    kind: 'linear',
    site,
    check: (targets) => guarded(() => checkLinearWorkspace(ctx, targets)),
    listStatusNames: () => guarded(() => ctx.workspace.stateNames()),
    existingStatusNames: (names) =>
      guarded(async () => {
        const have = new Set((await ctx.workspace.stateNames()).map(nameKey));
        return names.filter((n) => have.has(nameKey(n)));
      }),
    findCreated: ({ target, idempotencyKey }) =>
      guarded(async () => {
        linearTeam(ctx, target);
        const issue = await readIssue(ctx, issueIdFor(idempotencyKey));
        return issue && !issue.trashed ? toIssueRef(site, issue) : undefined;
      }),
    createIssue: (input: CreateIssueInput) => guarded(() => createIssue(ctx, input)),
    ensureLinkBack: (ref, link) => guarded(() => ensureLinkBack(ctx, ref, link)),
    carriesMark: linearCarriesMark,
    updateIssue: (ref, content, requests) => guarded(() => updateIssue(ctx, ref, content, requests)),
    retitleIssue: (ref, titles) => guarded(() => retitleIssue(ctx, ref, titles)),
    addCustomerRequests: (ref, requests) => guarded(() => addCustomerRequests(ctx, ref, requests)),
    eraseCustomerRequests: (_ref, requests) => guarded(() => eraseCustomerRequests(ctx, requests)),
    moveCustomerRequests: (requests, to) => guarded(() => moveCustomerRequests(ctx, requests, to)),
    closeAsDuplicate: (ref, target) => guarded(() => closeAsDuplicate(ctx, ref, target)),
    reopenDuplicate: (ref, undo) => guarded(() => reopenDuplicate(ctx, ref, undo)),
    getIssue: (idKeyOrUrl) =>
      guarded(async () => {
        const key = issueLookupKey(idKeyOrUrl);
        const issue = key ? await readIssue(ctx, key) : undefined;
        return issue && !issue.trashed ? stateOf(ctx, issue) : undefined;
      }),
    targetVisible: (target) =>
      guarded(async () => {
        // Read fresh, not from the workspace's cache of teams: the question is whether we can see it now.
        const key = linearTeam(ctx, target);
        const data = await request<TeamByKey>(client, TEAM_BY_KEY, { key });
        return data.teams.nodes.some((t) => t.key.toLowerCase() === key.toLowerCase());
      }),
    changedSince: (cursor, issueIds) =>
      changedIssues(cursor, issueIds, (variables) =>
        guarded(() => request<ChangedIssues>(client, CHANGED_ISSUES, variables)).then((d) => ({
          ...d.issues,
          nodes: d.issues.nodes.map((node) => ({
            node,
            state: node.trashed ? undefined : stateOf(ctx, node),
          })),
        })),
      ),
    registerWebhook: (url, secret) => guarded(() => registerLinearWebhook(ctx, url, secret)),
    listBacklog: (selection) => listBacklog(ctx, selection),
    verifyWebhook: verifyLinearWebhook,
    parseWebhook: (rawBody) => parseLinearWebhook(rawBody, site),
  };
}

/** Open issues of a team: not completed, canceled or a duplicate; with any of the labels when some are named. */
async function* listBacklog(ctx: LinearContext, selection: BacklogSelection): AsyncGenerator<BacklogIssue[]> {
  if (selection.kind !== 'linear')
    throw new ConnectorError('config', 'linear', 'not a Linear backlog selection');
  const filter = {
    team: { key: { eq: selection.team } },
    state: { type: { nin: ['completed', 'canceled', 'duplicate'] } },
    ...(selection.labels.length > 0 ? { labels: { some: { name: { in: [...selection.labels] } } } } : {}),
  };
  let after: string | null = null;
  do {
    const page: BacklogIssues = await guarded(() =>
      request<BacklogIssues>(ctx.client, BACKLOG_ISSUES, {
        filter,
        first: linearSpec.pageSize.backlog,
        after,
      }),
    );
    yield page.issues.nodes.map((node) => ({ state: stateOf(ctx, node), title: node.title }));
    after = page.issues.pageInfo.hasNextPage ? page.issues.pageInfo.endCursor : null;
  } while (after);
}
