import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { distinctNeeds, REWORDED_REQUESTS } from '../../support/reworded-requests.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { type ServiceProcess, spawnCli, waitReady } from '../helpers/process.ts';
import { freePort, freshPrefix, sharedRedisUrl } from '../helpers/redis.ts';
import { waitFor } from '../helpers/service.ts';

/**
 * The product owner's backlog, end to end in the sandbox (`start`, both emulators in the process): twenty requests
 * written as customers write them make one issue per distinct need in each tracker, no more, once a person has
 * answered what triage was unsure of; a merge closes the merged feature's issue as a duplicate of the survivor's
 * and moves its customer requests there; an unmerge restores both. At every settled step, the requests counted on
 * open issues add up to the requests sent: none twice, none lost.
 */

type Tracker = 'linear' | 'jira';

/** One issue as the product owner sees it in the tracker. */
interface SeenIssue {
  key: string;
  title: string;
  open: boolean;
  /** Linear: customer needs on the issue; Jira: the request count its demand section shows. */
  requests: number;
  /** The issue keys this one is marked a duplicate of. */
  duplicates: string[];
  description: string;
}

interface Sandbox {
  api: (p: string, init?: { method?: string; body?: unknown }) => Promise<Response>;
  issues: () => Promise<SeenIssue[]>;
}

const LINEAR_KEY = 'lin_api_sandbox';
const JIRA_AUTH = `Basic ${Buffer.from('sandbox@example.com:sandbox').toString('base64')}`;

async function linearIssues(url: string): Promise<SeenIssue[]> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { authorization: LINEAR_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({
      query: `query E2eIssues { issues(first: 250) { nodes { identifier title description state { type }
        needs(first: 250) { nodes { id } } relations(first: 50) { nodes { type relatedIssue { identifier } } } } } }`,
    }),
  });
  const body = (await res.json()) as {
    data: {
      issues: {
        nodes: Array<{
          identifier: string;
          title: string;
          description: string | null;
          state: { type: string };
          needs: { nodes: unknown[] };
          relations: { nodes: Array<{ type: string; relatedIssue: { identifier: string } }> };
        }>;
      };
    };
  };
  return body.data.issues.nodes.map((i) => ({
    key: i.identifier,
    title: i.title,
    open: !['completed', 'canceled', 'duplicate'].includes(i.state.type),
    requests: i.needs.nodes.length,
    duplicates: i.relations.nodes.filter((r) => r.type === 'duplicate').map((r) => r.relatedIssue.identifier),
    description: i.description ?? '',
  }));
}

/** The texts of an ADF document, in order. */
function adfTexts(node: unknown): string[] {
  if (!node || typeof node !== 'object') return [];
  const n = node as { text?: unknown; content?: unknown };
  const own = typeof n.text === 'string' ? [n.text] : [];
  return [...own, ...(Array.isArray(n.content) ? n.content.flatMap(adfTexts) : [])];
}

async function jiraIssues(url: string): Promise<SeenIssue[]> {
  const query = new URLSearchParams({
    jql: 'project = SBX ORDER BY created ASC',
    fields: 'summary,status,issuelinks,description',
    maxResults: '100',
  });
  const res = await fetch(`${url}/rest/api/3/search/jql?${query}`, { headers: { authorization: JIRA_AUTH } });
  const body = (await res.json()) as {
    issues: Array<{
      key: string;
      fields: {
        summary: string;
        status: { statusCategory: { key: string } };
        description: unknown;
        issuelinks?: Array<{ type: { name: string }; outwardIssue?: { key: string } }>;
      };
    }>;
  };
  return body.issues.map((i) => {
    const texts = adfTexts(i.fields.description);
    const count = texts.map((t) => /^(\d+) requests?$/.exec(t)?.[1]).find((n) => n !== undefined);
    return {
      key: i.key,
      title: i.fields.summary,
      open: i.fields.status.statusCategory.key !== 'done',
      requests: Number(count ?? 0),
      duplicates: (i.fields.issuelinks ?? [])
        .filter((l) => l.type.name === 'Duplicate' && l.outwardIssue)
        .map((l) => l.outwardIssue?.key ?? ''),
      description: texts.join(' '),
    };
  });
}

/** Every service process started, stopped when its suite ends however it ended. */
const started: ServiceProcess[] = [];

async function startSandbox(tracker: Tracker, database: TestDatabase): Promise<Sandbox> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [port, jiraPort, linearPort] = [...ports] as [number, number, number];
  const configFile = path.join(database.dataDir, 'clean-backlog.yaml');
  writeFileSync(
    configFile,
    ['intake:', '  rateLimit: { requests: 100000 }', 'push:', '  coalesceSeconds: 0.2', ''].join('\n'),
  );
  const apiKey = `clean-backlog-${Date.now()}-key`;
  const proc = spawnCli(['start'], {
    PORT: String(port),
    REDIS_URL: sharedRedisUrl,
    QUEUE_PREFIX: freshPrefix(`clean-${tracker}`),
    DATA_DIR: database.dataDir,
    CONFIG_FILE: configFile,
    API_KEYS: apiKey,
    JIRA_EMULATOR_PORT: String(jiraPort),
    LINEAR_EMULATOR_PORT: String(linearPort),
    LOG_LEVEL: 'warn',
  });
  started.push(proc);
  // A first start runs initdb for PGlite in WASM: slow on a busy two-CPU machine.
  await waitReady(proc, port, 180_000);
  const api = (p: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`http://127.0.0.1:${port}${p}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  const issues = () =>
    tracker === 'linear'
      ? linearIssues(`http://127.0.0.1:${linearPort}`)
      : jiraIssues(`http://127.0.0.1:${jiraPort}`);
  return { api, issues };
}

async function json<T>(res: Promise<Response>): Promise<T> {
  const answer = await res;
  if (!answer.ok) throw new Error(`${answer.url} answered ${answer.status}: ${await answer.text()}`);
  return (await answer.json()) as T;
}

/** Sends the requests one at a time, each triaged before the next; the feature each landed on, by request. */
async function sendRequests(sandbox: Sandbox, tracker: Tracker): Promise<Map<string, string>> {
  const needOfRequest = new Map<string, string>();
  for (const [n, r] of REWORDED_REQUESTS.entries()) {
    const { id } = await json<{ id: string }>(
      sandbox.api('/v1/requests', {
        method: 'POST',
        body: {
          title: r.title,
          body: r.body,
          requester: { email: `customer-${n}@company-${n % 7}.example` },
          // Sandbox routing: the tag `jira` goes to the Jira emulator, the rest to Linear.
          tags: tracker === 'jira' ? ['jira'] : [],
        },
      }),
    );
    needOfRequest.set(id, r.need);
    await waitFor(`request ${n} triaged`, async () => {
      const view = await json<{ triagedAt: string | null }>(sandbox.api(`/v1/requests/${id}`));
      return view.triagedAt ? true : undefined;
    });
  }
  return needOfRequest;
}

/** The live feature each request is on now, and the needs each feature holds. */
async function featuresByNeed(sandbox: Sandbox, needOfRequest: ReadonlyMap<string, string>) {
  const featureOfNeed = new Map<string, Set<string>>();
  const needsOfFeature = new Map<string, Set<string>>();
  for (const [requestId, need] of needOfRequest) {
    const view = await json<{ feature: { id: string } | null }>(sandbox.api(`/v1/requests/${requestId}`));
    const featureId = view.feature?.id ?? 'none';
    featureOfNeed.set(need, (featureOfNeed.get(need) ?? new Set()).add(featureId));
    needsOfFeature.set(featureId, (needsOfFeature.get(featureId) ?? new Set()).add(need));
  }
  return { featureOfNeed, needsOfFeature };
}

/**
 * A product owner working through the review queue from the labels: the same need, merge into the candidate (or
 * what it was merged into since); a different one, "not a duplicate". Returns how many answers it gave.
 */
async function answerReviews(sandbox: Sandbox, needOfRequest: ReadonlyMap<string, string>): Promise<number> {
  let answers = 0;
  for (;;) {
    const page = await json<{
      data: Array<{
        feature: { id: string };
        possibleDuplicateOf: { id: string; mergedIntoId?: string | null };
      }>;
    }>(sandbox.api('/v1/review?limit=100'));
    const item = page.data[0];
    if (!item) return answers;
    const { needsOfFeature } = await featuresByNeed(sandbox, needOfRequest);
    const into = item.possibleDuplicateOf.mergedIntoId ?? item.possibleDuplicateOf.id;
    const mine = [...(needsOfFeature.get(item.feature.id) ?? [])];
    const theirs = needsOfFeature.get(into) ?? new Set();
    const same = mine.length > 0 && mine.every((n) => theirs.has(n));
    const res = same
      ? await sandbox.api(`/v1/features/${item.feature.id}/merge`, { method: 'POST', body: { into } })
      : await sandbox.api(`/v1/review/${item.feature.id}/dismiss`, { method: 'POST' });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    answers += 1;
  }
}

/** Waits until every feature's links are pushed and the tracker shows what `settled` wants. */
async function settle<T>(
  sandbox: Sandbox,
  what: string,
  settled: (issues: SeenIssue[]) => T | undefined,
  alsoWatch: readonly string[] = [],
): Promise<T> {
  return waitFor(
    what,
    async () => {
      // Merged features are not listed, but the link of an issue closed as a duplicate stays with them.
      const listed = await json<{ data: Array<{ id: string }> }>(sandbox.api('/v1/features?limit=100'));
      for (const id of new Set([...listed.data.map((f) => f.id), ...alsoWatch])) {
        const view = await json<{ links: Array<{ state: string; awaitingPush: boolean }> }>(
          sandbox.api(`/v1/features/${id}`),
        );
        if (view.links.some((l) => l.state === 'pending' || l.awaitingPush)) return undefined;
      }
      return settled(await sandbox.issues());
    },
    60_000,
  );
}

const openRequests = (issues: readonly SeenIssue[]) =>
  issues.filter((i) => i.open).reduce((sum, i) => sum + i.requests, 0);

describe.each(['linear', 'jira'] as const)('a clean backlog in the %s emulator', (tracker) => {
  let database: TestDatabase | undefined;
  afterAll(async () => {
    for (const proc of started.splice(0)) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    await database?.drop();
  });

  it('twenty requests make one issue per need; a merge closes a duplicate; an unmerge restores it', async () => {
    database = await createTestDatabase('pglite');
    const sandbox = await startSandbox(tracker, database);
    const needOfRequest = await sendRequests(sandbox, tracker);
    const total = REWORDED_REQUESTS.length;
    const needs = distinctNeeds();

    // Before anyone answers: only what triage was sure of reached the tracker, never a second issue for a need.
    const early = await settle(sandbox, 'first pushes', (issues) => (issues.length > 0 ? issues : undefined));
    expect(early.length).toBeLessThanOrEqual(needs.length);

    // The product owner answers the review queue; then every need has exactly one feature and one issue.
    await answerReviews(sandbox, needOfRequest);
    const { featureOfNeed, needsOfFeature } = await featuresByNeed(sandbox, needOfRequest);
    for (const [need, featureIds] of featureOfNeed) expect([need, featureIds.size]).toEqual([need, 1]);
    for (const [featureId, held] of needsOfFeature) expect([featureId, held.size]).toEqual([featureId, 1]);
    const issues = await settle(sandbox, 'one issue per need', (seen) =>
      seen.length === needs.length && openRequests(seen) === total ? seen : undefined,
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; the tracker shows ${JSON.stringify(await sandbox.issues(), null, 1)}`);
    });
    expect(issues.every((i) => i.open)).toBe(true);

    // The product owner merges one feature into another: its issue closes as a duplicate of the survivor's.
    const [twoFactor] = [...(featureOfNeed.get('two-factor') ?? [])];
    const [sso] = [...(featureOfNeed.get('okta-sso') ?? [])];
    const twoFactorRequests = [...needOfRequest.values()].filter((n) => n === 'two-factor').length;
    const ssoRequests = [...needOfRequest.values()].filter((n) => n === 'okta-sso').length;
    const titleOf = async (id: string | undefined) =>
      (await json<{ title: string }>(sandbox.api(`/v1/features/${id}`))).title;
    const [twoFactorTitle, ssoTitle] = [await titleOf(twoFactor), await titleOf(sso)];
    const merged = await json<unknown>(
      sandbox.api(`/v1/features/${twoFactor}/merge`, { method: 'POST', body: { into: sso } }),
    );
    expect(merged).toBeDefined();
    const afterMerge = await settle(
      sandbox,
      'the merged issue closed as a duplicate',
      (seen) => {
        const closed = seen.find((i) => i.title === twoFactorTitle);
        const survivor = seen.find((i) => i.title === ssoTitle);
        return closed && survivor && !closed.open && closed.duplicates.includes(survivor.key)
          ? { seen, closed, survivor }
          : undefined;
      },
      [twoFactor ?? ''],
    );
    expect(afterMerge.seen.length).toBe(needs.length);
    expect(afterMerge.survivor.open).toBe(true);
    expect(afterMerge.survivor.requests).toBe(ssoRequests + twoFactorRequests);
    if (tracker === 'linear') expect(afterMerge.closed.requests).toBe(0);
    expect(afterMerge.closed.description).toContain(afterMerge.survivor.key);
    expect(openRequests(afterMerge.seen)).toBe(total);

    // Undone: both issues open again, each with its own requests.
    await json<unknown>(sandbox.api(`/v1/features/${twoFactor}/unmerge`, { method: 'POST' }));
    const afterUnmerge = await settle(
      sandbox,
      'the duplicate reopened',
      (seen) => {
        const reopened = seen.find((i) => i.title === twoFactorTitle);
        const survivor = seen.find((i) => i.title === ssoTitle);
        return reopened?.open && reopened.duplicates.length === 0 && reopened.requests === twoFactorRequests
          ? { seen, reopened, survivor }
          : undefined;
      },
      [twoFactor ?? ''],
    );
    expect(afterUnmerge.survivor?.requests).toBe(ssoRequests);
    expect(afterUnmerge.seen.every((i) => i.open)).toBe(true);
    expect(openRequests(afterUnmerge.seen)).toBe(total);
  }, 300_000);
});
