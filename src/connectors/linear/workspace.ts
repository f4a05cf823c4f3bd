import type { LinearClient } from '@linear/sdk';
import { ConnectorError } from '../errors.ts';
import {
  LABELS_NAMED,
  type LabelsNamed,
  STATE_NAMES,
  type StateNames,
  type StateNode,
  TEAM_BY_KEY,
  type TeamByKey,
  type TeamNode,
} from './documents.ts';

/** Sends one of our documents through the SDK's client; errors are the SDK's (classified by the caller). */
export async function request<T>(
  client: LinearClient,
  query: string,
  variables: Record<string, unknown> = {},
) {
  const response = await client.client.rawRequest<T, Record<string, unknown>>(query, variables);
  if (response.data === undefined) throw new Error('Linear answered without data');
  return response.data;
}

/**
 * Teams and labels by name, looked up once per process: a team's id and states, a label's id, do not change
 * under us in a way that matters (a deleted label fails the next write, which is retried after `forget()`).
 */
export class LinearWorkspace {
  private readonly teams = new Map<string, Promise<TeamNode | undefined>>();
  private readonly labels = new Map<string, Promise<string>>();

  private readonly client: LinearClient;

  constructor(client: LinearClient) {
    this.client = client;
  }

  forget(): void {
    this.teams.clear();
    this.labels.clear();
  }

  /** The team with this key (`ENG`), undefined when the workspace has none. */
  async findTeam(key: string): Promise<TeamNode | undefined> {
    const team = await cached(this.teams, key, async () => {
      const data = await request<TeamByKey>(this.client, TEAM_BY_KEY, { key });
      return data.teams.nodes.find((t) => t.key.toLowerCase() === key.toLowerCase());
    });
    // A team that is missing now may be created before the next look: do not remember its absence.
    if (!team) this.teams.delete(key);
    return team;
  }

  async team(key: string): Promise<TeamNode> {
    const team = await this.findTeam(key);
    if (!team) throw new ConnectorError('config', 'linear', `Linear has no team with key ${key}`);
    return team;
  }

  /**
   * Where a new issue goes: the team's triage state when triage is on (https://linear.app/docs/triage), else its
   * first backlog state.
   */
  intakeState(team: TeamNode): StateNode {
    const byPosition = [...team.states.nodes].sort((a, b) => a.position - b.position);
    const triage = team.triageEnabled ? byPosition.find((s) => s.type === 'triage') : undefined;
    const state = triage ?? byPosition.find((s) => s.type === 'backlog');
    if (!state)
      throw new ConnectorError(
        'config',
        'linear',
        `team ${team.key} has neither a triage nor a backlog state`,
      );
    return state;
  }

  /** The id of a label usable in this team (a workspace label, or the team's own), created in the team if missing. */
  labelId(teamId: string, name: string): Promise<string> {
    return cached(this.labels, `${teamId}\n${name.toLowerCase()}`, async () => {
      const existing = await this.lookupLabel(teamId, name);
      if (existing) return existing;
      try {
        const created = await this.client.createIssueLabel({ name, teamId });
        if (created.issueLabelId) return created.issueLabelId;
      } catch (error) {
        // Created meanwhile by another worker (names are unique per team): use theirs.
        const raced = await this.lookupLabel(teamId, name);
        if (raced) return raced;
        throw error;
      }
      throw new Error(`issueLabelCreate returned no id for ${name}`);
    });
  }

  private async lookupLabel(teamId: string, name: string): Promise<string | undefined> {
    const data = await request<LabelsNamed>(this.client, LABELS_NAMED, { name });
    const usable = data.issueLabels.nodes.filter((l) => l.team === null || l.team.id === teamId);
    return (usable.find((l) => l.team?.id === teamId) ?? usable[0])?.id;
  }

  /** Every workflow state name in the workspace, for checking configured status overrides. */
  async stateNames(): Promise<string[]> {
    const names = new Set<string>();
    let after: string | null = null;
    do {
      const data: StateNames = await request<StateNames>(this.client, STATE_NAMES, { after });
      for (const s of data.workflowStates.nodes) names.add(s.name);
      after = data.workflowStates.pageInfo.hasNextPage ? data.workflowStates.pageInfo.endCursor : null;
    } while (after);
    return [...names];
  }
}

/** Caches a lookup's promise; a failed lookup is forgotten so the next call tries again. */
function cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  const hit = map.get(key);
  if (hit) return hit;
  const promise = load();
  map.set(key, promise);
  promise.catch(() => map.delete(key));
  return promise;
}
