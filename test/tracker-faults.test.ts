import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * With 30% of tracker calls failing with a 5xx on both trackers, every feature still ends with exactly one
 * issue carrying all its demand. End to end in sandbox mode: the real service with its own job options (10
 * attempts, exponential backoff from 1 s with jitter), jira.js and @linear/sdk against the emulators, real Redis.
 * Two waves, each under its own storm: the first makes the issues (creates under faults), the second adds a request
 * to some features (updates and customer requests under faults).
 *
 * Each storm lasts 30 s, while its requests arrive and their pushes run, then the trackers recover. Kept up until
 * everything is synced instead, it is too slow for a test: an attempt succeeds only if each of its several calls
 * does, so a job's backoff climbs (the 10 attempts span 4 to 8.5 minutes) and now and then runs out before the
 * redrive queues the push again; two such runs of this test were not done after 4 minutes. Even so, expect two
 * minutes or more: after a Jira create fails, the push waits JIRA_CREATE_GRACE_MS (60 s) before creating again,
 * and the backoff overshoots that.
 */

const TITLES = [
  'Dark mode',
  'CSV export',
  'Gantt chart',
  'SAML single sign-on',
  'Audit log',
  'Offline mode',
  'Slack alerts',
  'Bulk edit',
  'Custom fields',
  'Two-factor login',
  'Calendar sync',
  'Public roadmap',
];

const FIRST_WAVE = 3;
/** Features that get one more request in the second wave: three on each tracker. */
const grows = (i: number) => i % 4 < 2;

/** Half go to Jira (tagged `jira`), half to Linear; a feature's requests each from another company. */
const PLAN = TITLES.map((title, i) => ({
  title,
  tracker: i % 2 === 0 ? ('jira' as const) : ('linear' as const),
  requests: FIRST_WAVE + (grows(i) ? 1 : 0),
}));
type Feature = (typeof PLAN)[number];

const STORM = { rate: 0.3, forMs: 30_000, status: 503 };
/** Per wave. Measured: about 100 s for the first, 10-40 s for the second; see the note above. */
const SYNC_TIMEOUT_MS = 300_000;

let svc: TestService;
beforeAll(async () => {
  // Every first-wave request may arrive while its feature's create or update is failing and being retried.
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 1\n' });
});
afterAll(async () => {
  await svc?.stop();
});

const emulators = () => svc.emulators();

async function setFaults(url: string, body: object | undefined): Promise<void> {
  const res = await fetch(`${url}/_emulator/faults`, {
    method: body ? 'POST' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.ok).toBe(true);
}

async function postRequest(feature: Feature, r: number): Promise<{ title: string; id: string }> {
  const f = PLAN.indexOf(feature);
  const res = await svc.post(
    '/v1/requests',
    validRequest({
      title: feature.title,
      body: `Request ${r + 1} for ${feature.title}.`,
      ...(feature.tracker === 'jira' ? { tags: ['jira'] } : {}),
      requester: {
        email: `buyer${f}-${r}@company${r}.io`,
        name: `Buyer ${f}-${r}`,
        company: { name: `Company ${r}`, revenue: 10_000 * (r + 1), tier: 'enterprise' },
      },
    }),
  );
  expect(res.status).toBe(202);
  return { title: feature.title, id: ((await res.json()) as { id: string }).id };
}

/** Every request triaged into its feature (triage makes no tracker call). */
async function triage(posted: ReadonlyArray<{ title: string; id: string }>, featureIds: Map<string, string>) {
  for (const { title, id } of posted) {
    const featureId = await svc.featureOf(id);
    expect(featureIds.get(title) ?? featureId, title).toBe(featureId);
    featureIds.set(title, featureId);
  }
}

/** Linked (the issue exists and is recorded) and pushed (no demand left to carry), for every feature. */
function synced(featureIds: ReadonlyMap<string, string>) {
  return waitFor(
    'every feature linked with nothing left to push',
    async () => {
      const out = new Map<string, { kind: string; issueId: string; issueKey: string | null }>();
      for (const { title } of PLAN) {
        const all = await svc.runtime.store.links.forFeature(featureIds.get(title) ?? '');
        const [link] = all;
        if (all.length !== 1 || link?.state !== 'linked' || link.dirtySince || !link.issueId)
          return undefined;
        out.set(title, { kind: link.kind, issueId: link.issueId, issueKey: link.issueKey });
      }
      return out;
    },
    SYNC_TIMEOUT_MS,
  );
}

/** One issue per feature on its tracker, none besides, each carrying `requests(feature)` requests. */
function expectOneIssueEach(
  links: ReadonlyMap<string, { kind: string; issueId: string; issueKey: string | null }>,
  requests: (feature: Feature) => number,
) {
  const { jira, linear } = emulators();
  for (const feature of PLAN) {
    const link = links.get(feature.title);
    expect(link?.kind, feature.title).toBe(feature.tracker);
    const demand = `${requests(feature)} requests`;
    if (feature.tracker === 'jira') {
      const issues = [...jira.state.issues.values()].filter((i) => i.summary === feature.title);
      expect(
        issues.map((i) => i.key),
        feature.title,
      ).toEqual([link?.issueKey]);
      expect(JSON.stringify(issues[0]?.description), feature.title).toContain(`"text":"${demand}"`);
    } else {
      const issues = [...linear.state.issues.values()].filter((i) => i.title === feature.title);
      expect(
        issues.map((i) => i.id),
        feature.title,
      ).toEqual([link?.issueId]);
      expect(issues[0]?.description, feature.title).toContain(`**${demand}**`);
      const needs = [...linear.state.needs.values()].filter((n) => n.issueId === link?.issueId);
      expect(needs, feature.title).toHaveLength(requests(feature));
    }
  }
  const onJira = PLAN.filter((f) => f.tracker === 'jira').length;
  expect(jira.state.issues.size).toBe(onJira);
  expect(linear.state.issues.size).toBe(PLAN.length - onJira);
}

/** Calls answered with an injected 503 since the call log had `from` entries. */
const failedSince = (
  calls: { list(): ReadonlyArray<{ status: number; fault?: string | undefined }> },
  from: number,
) =>
  calls
    .list()
    .slice(from)
    .filter((c) => c.fault === 'server-error' && c.status === 503).length;

describe('tracker faults (sandbox)', () => {
  it(
    '30% of tracker calls failing with 5xx on both trackers: every feature synced, one issue each, with its demand',
    async () => {
      const { jira, linear } = emulators();
      const featureIds = new Map<string, string>();

      // Wave 1: three requests per feature, all at once. Seeded so that faults are certain: each seed fails 6 of
      // its first 18 draws, and the creates make more calls than that on each tracker. Which call meets which
      // failure still depends on how the jobs interleave.
      let jiraFrom = jira.calls.list().length;
      let linearFrom = linear.calls.list().length;
      await setFaults(jira.url, { serverError: { ...STORM, seed: 1 } });
      await setFaults(linear.url, { serverError: { ...STORM, seed: 3 } });
      await triage(
        await Promise.all(
          PLAN.flatMap((f) => Array.from({ length: FIRST_WAVE }, (_, r) => postRequest(f, r))),
        ),
        featureIds,
      );
      expect(featureIds.size).toBe(PLAN.length);
      expectOneIssueEach(await synced(featureIds), () => FIRST_WAVE);
      expect(failedSince(jira.calls, jiraFrom)).toBeGreaterThanOrEqual(3);
      expect(failedSince(linear.calls, linearFrom)).toBeGreaterThanOrEqual(3);

      // Wave 2: one more request for half of them, on both trackers. Seeds failing 2 of the first 6 draws (Jira:
      // at least a read and an edit per issue) and 4 of the first 12 (Linear: a read, an update, a look-up and
      // the customer request per issue).
      jiraFrom = jira.calls.list().length;
      linearFrom = linear.calls.list().length;
      await setFaults(jira.url, { serverError: { ...STORM, seed: 7 } });
      await setFaults(linear.url, { serverError: { ...STORM, seed: 8 } });
      await triage(
        await Promise.all(PLAN.filter((_, i) => grows(i)).map((f) => postRequest(f, FIRST_WAVE))),
        featureIds,
      );
      const links = await synced(featureIds);
      await setFaults(jira.url, undefined);
      await setFaults(linear.url, undefined);
      expectOneIssueEach(links, (f) => f.requests);
      expect(failedSince(jira.calls, jiraFrom)).toBeGreaterThanOrEqual(1);
      expect(failedSince(linear.calls, linearFrom)).toBeGreaterThanOrEqual(1);

      // And the service saw it: its push jobs failed and were retried, on both trackers.
      const retried = (kind: string) =>
        svc.logs.some(
          (line) =>
            line.includes('"msg":"job failed"') &&
            line.includes(`"queue":"tracker-${kind}-`) &&
            line.includes('"job":"tracker-push"') &&
            line.includes('"final":false'),
        );
      expect(retried('jira')).toBe(true);
      expect(retried('linear')).toBe(true);
    },
    2 * SYNC_TIMEOUT_MS + 60_000,
  );
});
