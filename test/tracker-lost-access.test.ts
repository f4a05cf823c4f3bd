import { afterEach, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * The API user loses permission to browse a Jira project (the emulator hides it as a site does: its issues answer
 * 404, search leaves them out, JQL naming it answers 400). Every issue there then reads as deleted; the sweep and
 * the push must not take that for deletions: the links stay, and the tracker shows unhealthy, saying why.
 */

let svc: TestService | undefined;
afterEach(async () => {
  await svc?.stop();
  svc = undefined;
});

async function start(): Promise<TestService> {
  svc = await startService({
    yaml: [
      'push:',
      '  coalesceSeconds: 0',
      'reconcile:',
      '  trackerIntervalSeconds: 3600',
      '  trackerSweepSeconds: 0',
    ].join('\n'),
  });
  return svc;
}

/** Posts a request (for Jira unless told) and waits until its feature's issue exists. */
async function pushed(s: TestService, title: string, email: string, tags = ['jira']) {
  const res = await s.post('/v1/requests', validRequest({ title, tags, requester: { email } }));
  const { id } = (await res.json()) as { id: string };
  const featureId = await s.featureOf(id);
  const link = await waitFor(`feature ${featureId} linked`, async () => {
    const [l] = await s.runtime.store.links.forFeature(featureId);
    return l?.state === 'linked' && l.issueKey && !l.dirtySince ? l : undefined;
  });
  return { featureId, link };
}

const healthOf = (s: TestService, tracker: string) =>
  waitFor(`${tracker} reported unhealthy`, async () => {
    const body = (await (await fetch(`${s.url}/readyz`)).json()) as { trackers?: Record<string, string> };
    const health = body.trackers?.[tracker];
    return health?.startsWith('unhealthy') ? health : undefined;
  });
const jiraHealth = (s: TestService) => healthOf(s, 'jira/sandbox');

describe('a project or team our credentials can no longer see', () => {
  it('the reconcile sweep keeps its links and reports the tracker unhealthy', async () => {
    const s = await start();
    const one = await pushed(s, 'Custom domains', 'cd@acme.io');
    const two = await pushed(s, 'Audit log export', 'al@acme.io');
    const jira = s.emulators().jira.state;
    jira.hiddenProjects.add('SBX');

    await s.runtime.queues.enqueue('tracker-reconcile', { kind: 'jira', site: 'sandbox' });
    expect(await jiraHealth(s)).toMatch(/project SBX is not visible to our credentials/);
    for (const { featureId } of [one, two]) {
      const [link] = await s.runtime.store.links.forFeature(featureId);
      expect(link?.state).toBe('linked');
    }

    // Access back: the issues were there all along.
    jira.hiddenProjects.delete('SBX');
    expect(jira.findIssue(one.link.issueKey ?? '')).toBeDefined();
  });

  it('a push that finds its issue missing keeps the link and says why', async () => {
    const s = await start();
    const { featureId, link } = await pushed(s, 'Webhooks for CI', 'wh@acme.io');
    s.emulators().jira.state.hiddenProjects.add('SBX');

    // Another requester: the demand changes, the push reads the issue and gets a 404.
    await s.post(
      '/v1/requests',
      validRequest({ title: 'Webhooks for CI', tags: ['jira'], requester: { email: 'ci@beta.io' } }),
    );
    await waitFor('the push recorded the error', async () => {
      const [l] = await s.runtime.store.links.forFeature(featureId);
      return l?.lastErrorKind === 'auth' ? l : undefined;
    });
    const [kept] = await s.runtime.store.links.forFeature(featureId);
    expect(kept).toMatchObject({ id: link.id, state: 'linked', issueKey: link.issueKey });
    expect(kept?.lastError).toMatch(/project SBX is not visible/);
    expect(await jiraHealth(s)).toMatch(/project SBX is not visible/);
  });

  it('Linear: a team the API key can no longer see keeps its links through the sweep', async () => {
    const s = await start();
    const { featureId, link } = await pushed(s, 'Offline mode', 'om@acme.io', []);
    expect(link.kind).toBe('linear');
    const linear = s.emulators().linear.state;
    linear.hiddenTeams.add('SBX');

    await s.runtime.queues.enqueue('tracker-reconcile', { kind: 'linear', site: link.site });
    expect(await healthOf(s, `linear/${link.site}`)).toMatch(/team SBX is not visible to our credentials/);
    const [kept] = await s.runtime.store.links.forFeature(featureId);
    expect(kept?.state).toBe('linked');
    linear.hiddenTeams.delete('SBX');
    expect(linear.findIssue(link.issueId ?? '')).toBeDefined();
  });
});
