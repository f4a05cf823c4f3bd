import {
  type Accessors,
  matchesComparator,
  matchesFilter,
  matchesNullable,
  matchesStringArray,
  type ValueKind,
} from './filters.ts';
import type {
  AttachmentRecord,
  CommentRecord,
  CustomerNeedRecord,
  CustomerRecord,
  CustomerTierRecord,
  IssueRecord,
  LabelRecord,
  TeamRecord,
  WorkflowStateRecord,
} from './model.ts';

/** What the filters need to follow relations; LinearState provides it, unit tests pass plain maps. */
export interface FilterLookups {
  nowMs: number;
  team(id: string): TeamRecord | undefined;
  state(id: string): WorkflowStateRecord | undefined;
  issue(id: string): IssueRecord | undefined;
  customer(id: string): CustomerRecord | undefined;
  attachmentsOf(issueId: string): readonly AttachmentRecord[];
  label(id: string): LabelRecord | undefined;
}

/**
 * The filter fields the emulator evaluates for each entity: the subset of Linear's IssueFilter, TeamFilter,
 * WorkflowStateFilter, AttachmentFilter, ... that schema.graphql declares. One table per entity.
 */
export function entityFilters(lookups: FilterLookups) {
  const cmp =
    <T>(kind: ValueKind, get: (item: T) => unknown) =>
    (item: T, value: unknown) =>
      matchesComparator(get(item), value, kind, lookups.nowMs);

  const team: Accessors<TeamRecord> = {
    id: cmp('string', (t) => t.id),
    key: cmp('string', (t) => t.key),
    name: cmp('string', (t) => t.name),
  };
  const workflowState: Accessors<WorkflowStateRecord> = {
    id: cmp('string', (s) => s.id),
    name: cmp('string', (s) => s.name),
    type: cmp('string', (s) => s.type),
    team: (s, f) => matchesNullable(lookups.team(s.teamId), f, team),
  };
  const attachment = {
    id: cmp('string', (a: AttachmentRecord) => a.id),
    url: cmp('string', (a: AttachmentRecord) => a.url),
    title: cmp('string', (a: AttachmentRecord) => a.title),
    createdAt: cmp('date', (a: AttachmentRecord) => a.createdAt),
    updatedAt: cmp('date', (a: AttachmentRecord) => a.updatedAt),
  } satisfies Accessors<AttachmentRecord>;
  /** AttachmentCollectionFilter: plain fields match when any attachment matches (`some` semantics). */
  const attachmentCollection: Accessors<readonly AttachmentRecord[]> = {
    id: (list, f) => list.some((a) => attachment.id(a, f)),
    url: (list, f) => list.some((a) => attachment.url(a, f)),
    title: (list, f) => list.some((a) => attachment.title(a, f)),
    some: (list, f) => list.some((a) => matchesFilter(a, f, attachment)),
    every: (list, f) => list.every((a) => matchesFilter(a, f, attachment)),
    length: (list, f) => matchesComparator(list.length, f, 'number', lookups.nowMs),
  };
  const issue: Accessors<IssueRecord> = {
    id: cmp('string', (i) => i.id),
    number: cmp('number', (i) => i.number),
    title: cmp('string', (i) => i.title),
    createdAt: cmp('date', (i) => i.createdAt),
    updatedAt: cmp('date', (i) => i.updatedAt),
    team: (i, f) => matchesNullable(lookups.team(i.teamId), f, team),
    state: (i, f) => matchesNullable(lookups.state(i.stateId), f, workflowState),
    attachments: (i, f) => matchesFilter(lookups.attachmentsOf(i.id), f, attachmentCollection),
    labels: (i, f) =>
      matchesFilter(
        i.labelIds.flatMap((id) => lookups.label(id) ?? []),
        f,
        labelCollection,
      ),
  };
  const label = {
    id: cmp('string', (l: LabelRecord) => l.id),
    name: cmp('string', (l: LabelRecord) => l.name),
    team: (l: LabelRecord, f: unknown) =>
      matchesNullable(l.teamId ? lookups.team(l.teamId) : undefined, f, team),
  } satisfies Accessors<LabelRecord>;
  /** IssueLabelCollectionFilter: plain fields match when any label matches (`some` semantics). */
  const labelCollection: Accessors<readonly LabelRecord[]> = {
    id: (list, f) => list.some((l) => label.id(l, f)),
    name: (list, f) => list.some((l) => label.name(l, f)),
    some: (list, f) => list.some((l) => matchesFilter(l, f, label)),
    every: (list, f) => list.every((l) => matchesFilter(l, f, label)),
    length: (list, f) => matchesComparator(list.length, f, 'number', lookups.nowMs),
  };
  const comment: Accessors<CommentRecord> = {
    id: cmp('string', (c) => c.id),
    body: cmp('string', (c) => c.body),
    issue: (c, f) => matchesNullable(lookups.issue(c.issueId), f, issue),
  };
  const customer: Accessors<CustomerRecord> = {
    id: cmp('string', (c) => c.id),
    name: cmp('string', (c) => c.name),
    revenue: cmp('number', (c) => c.revenue),
    domains: (c, f) => matchesStringArray(c.domains, f, lookups.nowMs),
    externalIds: (c, f) => matchesStringArray(c.externalIds, f, lookups.nowMs),
  };
  const customerNeed: Accessors<CustomerNeedRecord> = {
    id: cmp('string', (n) => n.id),
    priority: cmp('number', (n) => n.priority),
    issue: (n, f) => matchesNullable(lookups.issue(n.issueId), f, issue),
    customer: (n, f) =>
      matchesNullable(n.customerId ? lookups.customer(n.customerId) : undefined, f, customer),
  };
  const customerTier: Accessors<CustomerTierRecord> = {
    id: cmp('string', (t) => t.id),
    name: cmp('string', (t) => t.name),
    displayName: cmp('string', (t) => t.displayName),
  };
  return { team, workflowState, attachment, issue, label, comment, customer, customerNeed, customerTier };
}

export type EntityFilters = ReturnType<typeof entityFilters>;
