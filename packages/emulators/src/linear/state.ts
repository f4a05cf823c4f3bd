import { randomUUID } from 'node:crypto';
import type {
  AttachmentRecord,
  ChangeEvent,
  CommentRecord,
  CustomerNeedRecord,
  CustomerRecord,
  CustomerTierRecord,
  IssueRecord,
  LabelRecord,
  OrganizationRecord,
  RelationRecord,
  TeamRecord,
  UserRecord,
  WebhookRecord,
  WorkflowStateRecord,
  WorkflowStateType,
} from './model.ts';

/** Fixed seed ids, so a reset (or a restart) gives back the same workspace, team and states. */
export const SEED = {
  organizationId: '9694101c-c319-4390-aa3e-5dde0bdb28ee',
  viewerId: 'a51f00c1-fbc7-4e72-9151-cb8f76833db5',
  teamId: '87552fbf-5154-4976-8045-9cdcd2df1477',
  customerStatusId: '4c43f42a-4b53-48d3-973b-8f6f03d534ff',
  teamKey: 'SBX',
  teamName: 'Sandbox',
} as const;

const SEED_STATES: ReadonlyArray<{ id: string; name: string; type: WorkflowStateType; color: string }> = [
  { id: '2fe0411c-12b3-4c3c-bda0-48e0100f8881', name: 'Triage', type: 'triage', color: '#fc7840' },
  { id: '6588fe98-0670-4f3f-b780-9aeecfc475d3', name: 'Backlog', type: 'backlog', color: '#bec2c8' },
  { id: '78e5e214-7ccb-401d-83e7-06603b4eff66', name: 'Todo', type: 'unstarted', color: '#e2e2e2' },
  { id: 'bfafd0fa-88af-408d-a0f8-cd3dbce5f0e5', name: 'In Progress', type: 'started', color: '#f2c94c' },
  { id: '247fafe8-5bad-4d43-b626-32233d50aee2', name: 'Done', type: 'completed', color: '#5e6ad2' },
  { id: '70f9d729-88f1-4238-9abe-34871ee4df33', name: 'Canceled', type: 'canceled', color: '#95a2b3' },
  { id: 'fadc0a72-574a-407f-bcbc-cd155f30f5fe', name: 'Duplicate', type: 'duplicate', color: '#95a2b3' },
];

type Listener = (event: ChangeEvent) => void;

/**
 * One Linear workspace in memory: an organization, the API key's user, team SBX with a workflow state of every
 * type, and whatever the API or the page adds. Commands (commands/*.ts) change it and emit change events;
 * presenters read it. A restart empties it unless the emulator keeps a state file (persistence.ts); `reset()`
 * restores the seed (keeping webhooks and issue numbering).
 */
export class LinearState {
  /** Where the emulator listens; entity `url`s point at its page so a person can follow them. */
  baseUrl = 'http://127.0.0.1:4020';
  organization!: OrganizationRecord;
  viewer!: UserRecord;
  readonly teams = new Map<string, TeamRecord>();
  readonly states = new Map<string, WorkflowStateRecord>();
  readonly issues = new Map<string, IssueRecord>();
  /**
   * Keys of teams the API key may no longer see (a private team it was removed from). As in Linear, the team is
   * gone from `teams` and `team(id:)`, and its issues from `issue(id:)` and `issues`. Tests set it.
   */
  readonly hiddenTeams = new Set<string>();
  readonly labels = new Map<string, LabelRecord>();
  readonly attachments = new Map<string, AttachmentRecord>();
  readonly comments = new Map<string, CommentRecord>();
  readonly relations = new Map<string, RelationRecord>();
  readonly tiers = new Map<string, CustomerTierRecord>();
  readonly customers = new Map<string, CustomerRecord>();
  readonly needs = new Map<string, CustomerNeedRecord>();
  readonly webhooks = new Map<string, WebhookRecord>();
  lastSyncId = 0;
  /** Linear gives every customer a status; the emulator has one, "Active". */
  readonly customerStatusId: string = SEED.customerStatusId;

  private readonly clock: () => number;
  /** The last time `now()` gave (persisted, so times keep increasing across a restart). */
  lastMs = 0;
  private readonly listeners = new Set<Listener>();
  /** The last issue number per team key (not id: a team re-added after a reset must not reuse identifiers). */
  readonly issueNumbers = new Map<string, number>();
  /** When the workspace was made: the seed's times (persisted, so a restart does not move them). */
  seededAt: string;

  constructor(options: { now?: () => number } = {}) {
    this.clock = options.now ?? Date.now;
    this.seededAt = this.now();
    this.reset();
  }

  /**
   * ISO time, strictly increasing: two writes in the same millisecond still get distinct `updatedAt`s, which the
   * service relies on to order webhook events.
   */
  now(): string {
    this.lastMs = Math.max(this.clock(), this.lastMs + 1);
    return new Date(this.lastMs).toISOString();
  }

  nowMs(): number {
    return this.clock();
  }

  /**
   * Back to the seeded workspace. Registered webhooks stay (workspace configuration: a running service keeps
   * hearing from the sandbox) unless their team is gone; issue numbers and `lastSyncId` keep counting: Linear never
   * reuses an identifier, and a service that linked SBX-1 must not hear of a different SBX-1.
   */
  reset(): void {
    this.hiddenTeams.clear();
    for (const map of [
      this.teams,
      this.states,
      this.issues,
      this.labels,
      this.attachments,
      this.comments,
      this.relations,
      this.tiers,
      this.customers,
      this.needs,
    ])
      map.clear();
    const at = this.seededAt;
    this.organization = { id: SEED.organizationId, name: 'Sandbox', urlKey: 'sandbox', createdAt: at };
    this.viewer = {
      id: SEED.viewerId,
      name: 'Sandbox Admin',
      displayName: 'sandbox',
      email: 'sandbox@example.com',
      createdAt: at,
    };
    this.insertTeam(SEED.teamId, SEED.teamKey, SEED.teamName, SEED_STATES, at);
    // Deleting a team deletes its webhooks in Linear too.
    for (const [id, webhook] of this.webhooks) {
      if (webhook.teamId !== null && !this.teams.has(webhook.teamId)) this.webhooks.delete(id);
    }
  }

  /**
   * Another team with a workflow state of every type (tests and sandbox users that route to several teams);
   * `reset()` removes it.
   */
  addTeam({ key, name }: { key: string; name: string }): TeamRecord {
    if (this.findTeam(key)) throw new Error(`a team keyed ${key} exists`);
    const states = SEED_STATES.map((s) => ({ ...s, id: randomUUID() }));
    return this.insertTeam(randomUUID(), key, name, states, this.now());
  }

  private insertTeam(
    id: string,
    key: string,
    name: string,
    states: typeof SEED_STATES,
    at: string,
  ): TeamRecord {
    const stateId = (type: WorkflowStateType) => states.find((s) => s.type === type)?.id ?? null;
    const team: TeamRecord = {
      id,
      key,
      name,
      createdAt: at,
      updatedAt: at,
      defaultStateId: stateId('backlog') ?? '',
      triageStateId: stateId('triage'),
      duplicateStateId: stateId('duplicate'),
    };
    this.teams.set(id, team);
    states.forEach((s, position) => {
      this.states.set(s.id, { ...s, teamId: id, position, description: null, createdAt: at, updatedAt: at });
    });
    return team;
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ChangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Linear's `lastSyncId` grows with every write; payloads carry it. */
  bumpSync(): number {
    this.lastSyncId += 1;
    return this.lastSyncId;
  }

  nextIssueNumber(teamId: string): number {
    const key = (this.teams.get(teamId)?.key ?? teamId).toUpperCase();
    const next = (this.issueNumbers.get(key) ?? 0) + 1;
    this.issueNumbers.set(key, next);
    return next;
  }

  /** An issue by UUID or by identifier (`SBX-12`), as Linear's `issue(id:)` accepts both. */
  findIssue(idOrIdentifier: string): IssueRecord | undefined {
    const found = this.findAnyIssue(idOrIdentifier);
    return found && this.visible(found) ? found : undefined;
  }

  /** Whether the API key may see the issue (its team is not hidden). */
  visible(issue: IssueRecord): boolean {
    const team = this.teams.get(issue.teamId);
    return !team || !this.hiddenTeams.has(team.key.toUpperCase());
  }

  private findAnyIssue(idOrIdentifier: string): IssueRecord | undefined {
    const byId = this.issues.get(idOrIdentifier);
    if (byId) return byId;
    const match = /^([A-Za-z0-9]+)-(\d+)$/.exec(idOrIdentifier);
    if (!match) return undefined;
    const team = this.findTeam(match[1] ?? '');
    const number = Number(match[2]);
    if (!team) return undefined;
    for (const issue of this.issues.values())
      if (issue.teamId === team.id && issue.number === number) return issue;
    return undefined;
  }

  /** A team by id or key. */
  findTeam(idOrKey: string): TeamRecord | undefined {
    const byId = this.teams.get(idOrKey);
    if (byId) return byId;
    for (const team of this.teams.values()) if (team.key.toUpperCase() === idOrKey.toUpperCase()) return team;
    return undefined;
  }

  teamStates(teamId: string): WorkflowStateRecord[] {
    return [...this.states.values()]
      .filter((s) => s.teamId === teamId)
      .sort((a, b) => a.position - b.position);
  }

  identifier(issue: IssueRecord): string {
    return `${this.teams.get(issue.teamId)?.key ?? '?'}-${issue.number}`;
  }

  issueUrl(issue: IssueRecord): string {
    return `${this.baseUrl}/#${this.identifier(issue)}`;
  }

  /** The whole workspace as plain JSON (GET /_emulator/state). */
  snapshot() {
    const list = <T>(map: Map<string, T>) => [...map.values()];
    return {
      organization: this.organization,
      viewer: this.viewer,
      teams: list(this.teams),
      workflowStates: list(this.states),
      issues: list(this.issues).map((issue) => ({ ...issue, identifier: this.identifier(issue) })),
      labels: list(this.labels),
      attachments: list(this.attachments),
      comments: list(this.comments),
      relations: list(this.relations),
      customerTiers: list(this.tiers),
      customers: list(this.customers),
      customerNeeds: list(this.needs),
      webhooks: list(this.webhooks).map(({ secret: _secret, ...webhook }) => webhook),
      lastSyncId: this.lastSyncId,
    };
  }
}
