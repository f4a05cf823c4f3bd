import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestContent, requestInput } from '../src/domain/request.ts';
import { trackerQueueName } from '../src/queue/catalog.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * A push whose coalescing window closes while requests accepted in it are still untriaged waits for their triage
 * (one more window at most), so the issue is created once with them rather than created and updated a window later.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 3\n' });
});
afterAll(async () => {
  await svc?.stop();
});

/** Accepted like any request, but its triage is not queued: it stays untriaged until the test queues it. */
async function acceptUntriaged(email: string): Promise<string> {
  const input = requestInput.parse(validRequest({ title: 'Kanban swimlanes', requester: { email } }));
  const { request } = await svc.runtime.store.requests.accept({
    source: input.source,
    sourceRef: input.sourceRef,
    idempotencyScope: undefined,
    idempotencyKey: undefined,
    payloadHash: `untriaged-${email}`,
    ...requestContent(input),
    receivedAt: new Date(),
  });
  return request.id;
}

describe('a push waits for the triage of its window', () => {
  it('creates the issue once, with the request that was still being triaged when the window closed', async () => {
    const linear = svc.emulators().linear;
    const before = linear.calls.list().length;
    const first = await svc.post(
      '/v1/requests',
      validRequest({ title: 'Kanban swimlanes', requester: { email: 'first@kappa.io' } }),
    );
    const featureId = await svc.featureOf(((await first.json()) as { id: string }).id);
    const late = await acceptUntriaged('late@kappa.io');

    // The window closes with `late` untriaged: the push is put off, not made.
    const [dirty] = await waitFor('the link, dirty', async () => {
      const links = await svc.runtime.store.links.forFeature(featureId);
      return links[0]?.dirtySince ? links : undefined;
    });
    const queue = svc.runtime.queues.queue(trackerQueueName(dirty?.kind ?? 'linear', dirty?.site ?? ''));
    await waitFor(
      'a push put off for triage',
      async () => {
        const done = await queue.getCompleted();
        return done.some((j) => (j.returnvalue as { skipped?: string } | null)?.skipped?.includes('triaged'))
          ? true
          : undefined;
      },
      10_000,
    );
    const [waiting] = await svc.runtime.store.links.forFeature(featureId);
    expect(waiting?.issueId).toBeNull();

    await svc.runtime.queues.enqueue('triage-request', { requestId: late });
    expect(await svc.featureOf(late)).toBe(featureId);
    const link = await waitFor('the issue', async () => {
      const [l] = await svc.runtime.store.links.forFeature(featureId);
      return l?.issueId && !l.dirtySince ? l : undefined;
    });
    // One create, carrying both requests; no update behind it.
    const writes = linear.calls
      .list()
      .slice(before)
      .map((c) => c.operation)
      .filter((op) => op === 'createIssue' || op === 'updateIssue');
    expect(writes).toEqual(['createIssue']);
    const needs = [...linear.state.needs.values()].filter((n) => n.issueId === link.issueId);
    expect(needs).toHaveLength(2);
  });
});
