import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * A request that joins a feature while that feature's push is in flight must reach the tracker too. Found with
 * the tracker fault test (tracker-faults.test.ts, on Postgres: a Linear issue left at 2 of its 3 requests with the link
 * clean), made deterministic here: the tracker holds its answers (`responseDelayMs`) so the second request is
 * triaged while the first push is still talking to it.
 */

let svc: TestService;
beforeAll(async () => {
  // The redrive is kept out of the way (it would re-queue a dirty link within its interval): only the push
  // job's own second look can carry a late request here.
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 1\nreconcile:\n  intervalSeconds: 3600\n' });
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

const issueTitled = (title: string) =>
  [...emulators().linear.state.issues.values()].find((i) => i.title === title);

/** Waits until the issue carries both requests as customer requests. */
async function bothCarried(issue: () => { id: string } | undefined): Promise<void> {
  const needs = () =>
    [...emulators().linear.state.needs.values()].filter((n) => n.issueId === issue()?.id).length;
  await waitFor(
    'both customer requests on the issue',
    async () => (needs() === 2 ? true : undefined),
    30_000,
  );
}

describe('a request arriving during a push', () => {
  it('is pushed after it: the issue ends with both requests', async () => {
    const { linear } = emulators();
    const title = 'Roadmap voting';
    const issue = () => issueTitled(title);
    linear.faults.set({ responseDelayMs: 1_000 });
    try {
      const featureId = await post(title, 'first@acme.io');
      // The push read the demand (one request) and made the issue; its answers are still held.
      await waitFor('the issue made on the tracker', async () => (issue() ? true : undefined));
      expect(await post(title, 'second@beta.io')).toBe(featureId);
    } finally {
      linear.faults.set({ responseDelayMs: 0 });
    }

    await bothCarried(issue);
    await waitFor(
      'the demand section to count both requests',
      async () => (issue()?.description?.includes('**2 requests**') ? true : undefined),
      30_000,
    );
  });

  it('joins after the push recorded its work, while the job still reads the new issue: pushed too', async () => {
    const { linear } = emulators();
    const title = 'Saved filters';
    const issue = () => issueTitled(title);
    linear.faults.set({ responseDelayMs: 1_000 });
    try {
      const featureId = await post(title, 'first@gamma.io');
      // recordPushed is done; the job is now reading the new issue's state, whose answer is held for a second,
      // so the push this request queues finds the job still running (BullMQ drops it unless the job released it).
      await waitFor('the push recorded', async () => {
        const [link] = await svc.runtime.store.links.forFeature(featureId);
        return link?.pushedAt ? true : undefined;
      });
      expect(await post(title, 'second@delta.io')).toBe(featureId);
    } finally {
      linear.faults.set({ responseDelayMs: 0 });
    }
    await bothCarried(issue);
  });
});
