import type { PushTarget } from '../../domain/tracker.ts';
import { type DemandOptions, demandMarkdown, replaceDemandMarkdown } from '../../rules/demand.ts';
import { nameKey } from '../../rules/status-map.ts';
import { ConnectorError } from '../errors.ts';
import type {
  CreateIssueInput,
  CustomerRequest,
  IssueContent,
  Tracker,
  TrackerCheck,
  TrackerIssueRef,
} from '../tracker.ts';
import { changedIssues, chunks, IDS_PER_QUERY, type LinearChangedPage } from './changes.ts';
import { createLinearClient } from './client.ts';
import { customerNeedEraseDocuments, customerRequestDocuments, plannedNeedIds } from './customers.ts';
import {
  BACKLOG_ISSUES,
  type BacklogIssues,
  CHANGED_ISSUES,
  type ChangedIssues,
  CREATE_ISSUE,
  type CreateIssue,
  EXISTING_NEEDS,
  type ExistingNeeds,
  ISSUE_FOR_UPDATE,
  ISSUE_STATE,
  type IssueForUpdate,
  type IssueNode,
  type IssueState,
  TEAM_BY_KEY,
  type TeamByKey,
  WEBHOOKS,
  type Webhooks,
} from './documents.ts';
import { classifyLinearError } from './errors.ts';
import {
  ATTACHMENT_TITLE,
  attachmentMarks,
  duplicateOf,
  issueIdFor,
  issueLookupKey,
  linearCarriesMark,
  MARK_METADATA_KEY,
  needIdFor,
  toIssueRef,
  toIssueState,
} from './map.ts';
import { parseLinearWebhook, verifyLinearWebhook } from './webhook.ts';
import { LinearWorkspace, request } from './workspace.ts';

export interface LinearTrackerOptions {
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
  eraseCustomerRequests(ref: TrackerIssueRef, requestIds: readonly string[]): Promise<void>;
  changedSince(cursor: string | undefined, issueIds: readonly string[]): AsyncIterable<LinearChangedPage>;
  /** Every workflow state name in the workspace (to report configured status names that no longer exist). */
  listStatusNames(): Promise<string[]>;
}

export { ATTACHMENT_TITLE } from './map.ts';
/**
 * Linear's data-change webhooks exist for Issue (and comments, labels, customers, ...) but not for issue
 * relations (https://linear.app/developers/webhooks): a duplicate shows as an Issue update into a `duplicate`
 * state, and getIssue / changedSince read which issue it duplicates.
 */
export const WEBHOOK_RESOURCE_TYPES = ['Issue'] as const;

export function createLinearTracker(options: LinearTrackerOptions): LinearTracker {
  const { site } = options;
  const client = createLinearClient(options);
  const workspace = new LinearWorkspace(client);
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw classifyLinearError(error);
    }
  };
  const labelNames = (labels: readonly string[]) => {
    const seen = new Map<string, string>();
    for (const raw of [options.label ?? '', ...labels]) {
      const name = raw.trim();
      if (name && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
    }
    return [...seen.values()];
  };
  const description = (existing: string, content: IssueContent) =>
    replaceDemandMarkdown(existing, demandMarkdown(content.demand, options.demand));

  /** The issue by UUID or identifier; undefined when Linear does not know it. */
  const readIssue = async (idOrKey: string): Promise<IssueNode | undefined> => {
    try {
      return (await request<IssueState>(client, ISSUE_STATE, { id: idOrKey })).issue;
    } catch (error) {
      const classified = classifyLinearError(error);
      if (classified.kind === 'not_found') return undefined;
      throw classified;
    }
  };
  const stateOf = (node: IssueNode) =>
    toIssueState(
      site,
      node,
      node.state,
      duplicateOf(node.relations.nodes),
      attachmentMarks(node.attachments),
    );
  const linearTeam = (target: PushTarget) => {
    if (target.kind !== 'linear' || target.workspace !== site) {
      throw new ConnectorError(
        'config',
        'linear',
        `target ${JSON.stringify(target)} is not in Linear ${site}`,
      );
    }
    return target.team;
  };

  const tracker: LinearTracker = {
    kind: 'linear',
    site,

    check: (targets) =>
      guarded(async () => {
        const checks: TrackerCheck[] = [];
        const name = `linear ${site}`;
        try {
          const viewer = await client.viewer;
          checks.push({ name: `${name}: credentials`, ok: true, detail: `signed in as ${viewer.email}` });
        } catch (error) {
          const e = classifyLinearError(error);
          checks.push({ name: `${name}: credentials`, ok: false, detail: `${e.kind}: ${e.message}` });
          return checks;
        }
        const keys = new Set(
          targets.flatMap((t) => (t.kind === 'linear' && t.workspace === site ? [t.team] : [])),
        );
        for (const key of keys) {
          try {
            const team = await workspace.findTeam(key);
            if (!team) {
              checks.push({ name: `${name}: team ${key}`, ok: false, detail: `no team with key ${key}` });
              continue;
            }
            const states = team.states.nodes.map((s) => `${s.name} (${s.type})`).join(', ');
            const intake = workspace.intakeState(team);
            const detail = `new issues go to ${intake.name}; states: ${states}`;
            checks.push({ name: `${name}: team ${key}`, ok: true, detail });
          } catch (error) {
            const e = classifyLinearError(error);
            checks.push({ name: `${name}: team ${key}`, ok: false, detail: `${e.kind}: ${e.message}` });
          }
        }
        return checks;
      }),

    listStatusNames: () => guarded(() => workspace.stateNames()),
    existingStatusNames: (names) =>
      guarded(async () => {
        const have = new Set((await workspace.stateNames()).map(nameKey));
        return names.filter((n) => have.has(nameKey(n)));
      }),

    findCreated: ({ target, idempotencyKey }) =>
      guarded(async () => {
        linearTeam(target);
        const issue = await readIssue(issueIdFor(idempotencyKey));
        return issue && !issue.trashed ? toIssueRef(site, issue) : undefined;
      }),

    createIssue: (input: CreateIssueInput) =>
      guarded(async () => {
        const id = issueIdFor(input.idempotencyKey);
        const team = await workspace.team(linearTeam(input.target));
        const state = workspace.intakeState(team);
        const labelIds = await Promise.all(
          labelNames(input.labels).map((n) => workspace.labelId(team.id, n)),
        );
        let created: Pick<IssueNode, 'id' | 'identifier' | 'url'>;
        try {
          const fields = {
            id,
            teamId: team.id,
            stateId: state.id,
            title: input.title,
            description: description('', input),
            ...(input.priority !== undefined ? { priority: input.priority } : {}),
            ...(labelIds.length > 0 ? { labelIds } : {}),
          };
          created = (await request<CreateIssue>(client, CREATE_ISSUE, { input: fields })).issueCreate.issue;
        } catch (error) {
          // A create for this key already went through (we crashed before recording it, or the answer was
          // lost): Linear refuses the taken id ("Entity Issue with id … already exists"), and that issue is
          // ours. Which error class a taken id gets is not documented, so any refusal but a rate limit or a
          // credential problem makes us look for the issue before giving up.
          const kind = classifyLinearError(error).kind;
          if (kind === 'rate_limited' || kind === 'auth') throw error;
          const existing = await readIssue(id).catch(() => undefined);
          if (!existing) throw error;
          if (existing.trashed) {
            const message = `the issue created for ${input.idempotencyKey} was deleted; push with a new key`;
            throw new ConnectorError('invalid_input', 'linear', message, { cause: error });
          }
          created = existing;
        }
        const ref = toIssueRef(site, created);
        await tracker.ensureLinkBack(ref, {
          featureId: input.featureId,
          featureUrl: input.demand.featureUrl,
          title: input.title,
          idempotencyKey: input.idempotencyKey,
        });
        return ref;
      }),

    // Upserted on issue + url, so a repeat does not add a second attachment; its metadata is the link's mark.
    ensureLinkBack: (ref, { featureUrl, idempotencyKey }) =>
      guarded(async () => {
        await client.createAttachment({
          issueId: ref.issueId,
          url: featureUrl,
          title: ATTACHMENT_TITLE,
          metadata: { [MARK_METADATA_KEY]: idempotencyKey },
        });
      }),

    carriesMark: linearCarriesMark,

    updateIssue: (ref: TrackerIssueRef, content: IssueContent) =>
      guarded(async () => {
        const { issue } = await request<IssueForUpdate>(client, ISSUE_FOR_UPDATE, { id: ref.issueId });
        if (issue.trashed)
          throw new ConnectorError('not_found', 'linear', `issue ${ref.issueKey} was deleted`);
        const patch: { description?: string; priority?: number; addedLabelIds?: string[] } = {};
        const next = description(issue.description ?? '', content);
        if (next !== (issue.description ?? '')) patch.description = next;
        if (content.priority !== undefined && content.priority !== issue.priority)
          patch.priority = content.priority;
        const have = new Set(issue.labels.nodes.map((l) => l.name.toLowerCase()));
        const missing = labelNames(content.labels).filter((n) => !have.has(n.toLowerCase()));
        if (missing.length > 0) {
          // Added, never replaced: labels the product owner set stay.
          patch.addedLabelIds = await Promise.all(missing.map((n) => workspace.labelId(issue.team.id, n)));
        }
        if (Object.keys(patch).length === 0) return;
        await client.updateIssue(issue.id, patch);
      }),

    // The attachment linking back has a fixed title: only the issue's title can carry the feature's.
    retitleIssue: (ref: TrackerIssueRef, { from, to }) =>
      guarded(async () => {
        const { issue } = await request<IssueForUpdate>(client, ISSUE_FOR_UPDATE, { id: ref.issueId });
        if (issue.trashed)
          throw new ConnectorError('not_found', 'linear', `issue ${ref.issueKey} was deleted`);
        if (issue.title !== from || to === from) return false;
        await client.updateIssue(issue.id, { title: to });
        return true;
      }),

    addCustomerRequests: (ref: TrackerIssueRef, requests: readonly CustomerRequest[]) =>
      guarded(async () => {
        if (requests.length === 0) return;
        const existing = new Set<string>();
        for (const ids of chunks(plannedNeedIds(ref.issueId, requests), IDS_PER_QUERY)) {
          const data = await request<ExistingNeeds>(client, EXISTING_NEEDS, { ids, first: ids.length });
          for (const need of data.customerNeeds.nodes) existing.add(need.id);
        }
        for (const document of customerRequestDocuments(ref.issueId, requests, existing)) {
          await request(client, document.query, document.variables);
        }
      }),

    eraseCustomerRequests: (ref: TrackerIssueRef, requestIds: readonly string[]) =>
      guarded(async () => {
        const planned = [...new Set(requestIds.map((id) => needIdFor(ref.issueId, id)))];
        // A need a product owner deleted in Linear is already gone: only the ones that exist are updated.
        const existing: string[] = [];
        for (const ids of chunks(planned, IDS_PER_QUERY)) {
          const data = await request<ExistingNeeds>(client, EXISTING_NEEDS, { ids, first: ids.length });
          existing.push(...data.customerNeeds.nodes.map((n) => n.id));
        }
        for (const document of customerNeedEraseDocuments(existing)) {
          await request(client, document.query, document.variables);
        }
      }),

    getIssue: (idKeyOrUrl) =>
      guarded(async () => {
        const key = issueLookupKey(idKeyOrUrl);
        const issue = key ? await readIssue(key) : undefined;
        return issue && !issue.trashed ? stateOf(issue) : undefined;
      }),

    targetVisible: (target) =>
      guarded(async () => {
        // Read fresh, not from the workspace's cache of teams: the question is whether we can see it now.
        const key = linearTeam(target);
        const data = await request<TeamByKey>(client, TEAM_BY_KEY, { key });
        return data.teams.nodes.some((t) => t.key.toLowerCase() === key.toLowerCase());
      }),

    changedSince: (cursor, issueIds) =>
      changedIssues(cursor, issueIds, (variables) =>
        guarded(() => request<ChangedIssues>(client, CHANGED_ISSUES, variables)).then((d) => ({
          ...d.issues,
          nodes: d.issues.nodes.map((node) => ({ node, state: node.trashed ? undefined : stateOf(node) })),
        })),
      ),

    registerWebhook: (url, secret) =>
      guarded(async () => {
        let after: string | null = null;
        do {
          const data: Webhooks = await request<Webhooks>(client, WEBHOOKS, { after });
          if (data.webhooks.nodes.some((w) => w.url === url)) return;
          after = data.webhooks.pageInfo.hasNextPage ? data.webhooks.pageInfo.endCursor : null;
        } while (after);
        const resourceTypes = [...WEBHOOK_RESOURCE_TYPES];
        await client.createWebhook({
          url,
          secret,
          resourceTypes,
          allPublicTeams: true,
          label: 'Suggested Sync',
        });
      }),
    async *listBacklog(selection) {
      if (selection.kind !== 'linear')
        throw new ConnectorError('config', 'linear', 'not a Linear backlog selection');
      // Open: not completed, canceled or a duplicate. Labels: any of them (none configured: every open issue).
      const filter = {
        team: { key: { eq: selection.team } },
        state: { type: { nin: ['completed', 'canceled', 'duplicate'] } },
        ...(selection.labels.length > 0 ? { labels: { some: { name: { in: [...selection.labels] } } } } : {}),
      };
      let after: string | null = null;
      do {
        const page: BacklogIssues = await guarded(() =>
          request<BacklogIssues>(client, BACKLOG_ISSUES, { filter, first: 50, after }),
        );
        yield page.issues.nodes.map((node) => ({ state: stateOf(node), title: node.title }));
        after = page.issues.pageInfo.hasNextPage ? page.issues.pageInfo.endCursor : null;
      } while (after);
    },
    verifyWebhook: verifyLinearWebhook,
    parseWebhook: (rawBody) => parseLinearWebhook(rawBody, site),
  };
  return tracker;
}
