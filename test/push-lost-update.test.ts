import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * A request that joins a feature while that feature's push is in flight must reach the tracker too. Found with
 * issue 4's fault test (tracker-faults.test.ts, on Postgres: a Linear issue left at 2 of its 3 requests with the link
 * clean), made deterministic here: the tracker holds its answers (`responseDelayMs`) so the second request is
 * triaged while the first push is still talking to it.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 1\n' });
});
afterAll(async () => {
  await svc?.stop();
});

const emulators = () => svc.emulators();

async function post(title: string, email: string): Promise<string> {
  const res = await svc.post('/v1/requests', validRequest({ title, requester: { email } }));
  const { id } = (await res.json()) as { id: string };
  return svc.featureOf(id);
}

describe('a request arriving during a push', () => {
  it('is pushed after it: the issue ends with both requests', async () => {
    const { linear } = emulators();
    const title = 'Roadmap voting';
    const issue = () => [...linear.state.issues.values()].find((i) => i.title === title);
    linear.faults.set({ responseDelayMs: 1_000 });
    try {
      const featureId = await post(title, 'first@acme.io');
      // The push read the demand (one request) and made the issue; its answers are still held.
      await waitFor('the issue made on the tracker', async () => (issue() ? true : undefined));
      expect(await post(title, 'second@beta.io')).toBe(featureId);
    } finally {
      linear.faults.set({ responseDelayMs: 0 });
    }

    // The coalescing window is 1 s and the reconciler looks every 15 s: 30 s is plenty for each.
    const needs = () => [...linear.state.needs.values()].filter((n) => n.issueId === issue()?.id).length;
    await waitFor(
      'both customer requests on the issue',
      async () => (needs() === 2 ? true : undefined),
      30_000,
    );
    await waitFor(
      'the demand section to count both requests',
      async () => (issue()?.description?.includes('**2 requests**') ? true : undefined),
      30_000,
    );
  });
});
