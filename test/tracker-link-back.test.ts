import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * A create that went through but whose push failed right after it (a 5xx on the link back, or a crash) is recovered
 * by the next attempt through `findCreated`. The issue must still end up linking back to its feature: a Jira
 * remote link (a call after the create), a Linear attachment (made in the create's own call; the retry of a create
 * Linear refused because its issue exists is in test/connectors/linear-tracker.test.ts). Found with the tracker fault test (tracker-faults.test.ts), made deterministic
 * here: the create's answer is held (`responseDelayMs`) until the test has seen the issue and armed a 5xx for the
 * calls that follow it.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 1\n' });
});
afterAll(async () => {
  await svc?.stop();
});

const emulators = () => svc.emulators();

const featureOf = (requestId: string) => svc.featureOf(requestId);

async function pushed(featureId: string) {
  return waitFor(`feature ${featureId} linked and pushed`, async () => {
    const [link] = await svc.runtime.store.links.forFeature(featureId);
    return link?.state === 'linked' && !link.dirtySince && link.issueId ? link : undefined;
  });
}

/**
 * Posts a request and fails the calls right after the tracker made its issue: the create's answer is held while
 * the next two calls are armed to fail (two, in case a reconcile call slips in between).
 */
async function createThenFail(
  emulator: { faults: { set(spec: object): void } },
  issues: () => number,
  request: Record<string, unknown>,
): Promise<string> {
  const before = issues();
  emulator.faults.set({ responseDelayMs: 1_000 });
  try {
    const res = await svc.post('/v1/requests', validRequest(request));
    const featureId = await featureOf(((await res.json()) as { id: string }).id);
    await waitFor('the issue made on the tracker', async () => (issues() > before ? true : undefined));
    emulator.faults.set({ responseDelayMs: 0, serverError: { count: 2, status: 503 } });
    return featureId;
  } finally {
    emulator.faults.set({ responseDelayMs: 0 });
  }
}

describe('a create recovered after a failure still links back to the feature', () => {
  it('Jira: the issue has its remote link to the feature', async () => {
    const { jira } = emulators();
    const featureId = await createThenFail(jira, () => jira.state.issues.size, {
      title: 'Webhook retries',
      tags: ['jira'],
    });
    const link = await pushed(featureId);
    const failedLinkBack = jira.calls
      .list()
      .some(
        (c) =>
          c.operation === 'POST /rest/api/3/issue/{issueIdOrKey}/remotelink' && c.fault === 'server-error',
      );
    expect(failedLinkBack).toBe(true);
    expect([...jira.state.issues.values()].filter((i) => i.summary === 'Webhook retries')).toHaveLength(1);
    const issue = jira.state.findIssue(link.issueId ?? '');
    expect(issue?.remoteLinks.map((l) => l.object.url)).toEqual([
      `${svc.config.publicUrl}/console/features/${featureId}`,
    ]);
  });

  it('Linear: the attachment to the feature comes in the create call itself, so no failure can fall between', async () => {
    const { linear } = emulators();
    const since = linear.calls.list().length;
    const res = await svc.post('/v1/requests', validRequest({ title: 'Saved filters' }));
    const featureId = await featureOf(((await res.json()) as { id: string }).id);
    const link = await pushed(featureId);
    const ops = linear.calls
      .list()
      .slice(since)
      .map((c) => c.operation);
    expect(ops).toContain('createIssue');
    expect(ops).not.toContain('createAttachment');
    const attachments = [...linear.state.attachments.values()].filter((a) => a.issueId === link.issueId);
    // Besides the customer requests' own attachments (their request URLs).
    expect(attachments.map((a) => a.url)).toContain(`${svc.config.publicUrl}/console/features/${featureId}`);
  });
});
