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
  // The redrive leaves an untriaged request alone for a minute: only the test triages it.
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 3\nreconcile:\n  graceSeconds: 60\n' });
});
afterAll(async () => {
  await svc?.stop();
});

/** Accepted like any request, but its triage is not queued: it stays untriaged until the test queues it. */
async function acceptUntriaged(title: string, email: string): Promise<string> {
  const input = requestInput.parse(validRequest({ title, requester: { email } }));
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

/** The push jobs of the feature's link that have finished, with what they returned. */
async function finishedPushes(featureId: string) {
  const [link] = await waitFor('the link', async () => {
    const links = await svc.runtime.store.links.forFeature(featureId);
    return links.length > 0 ? links : undefined;
  });
  const queue = svc.runtime.queues.queue(trackerQueueName(link?.kind ?? 'linear', link?.site ?? ''));
  return (await queue.getCompleted())
    .filter((j) => (j.data as { linkId?: string }).linkId === link?.id)
    .map((j) => ({
      finishedOn: j.finishedOn ?? 0,
      putOff: ((j.returnvalue as { skipped?: string } | null)?.skipped ?? '').includes('triaged'),
    }));
}

/** Resolves once a push of the feature was put off for triage. */
async function putOff(featureId: string): Promise<void> {
  await waitFor(
    'a push put off for triage',
    async () => ((await finishedPushes(featureId)).some((p) => p.putOff) ? true : undefined),
    10_000,
  );
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
    const late = await acceptUntriaged('Kanban swimlanes', 'late@kappa.io');

    // The window closes with `late` untriaged: the push is put off, not made.
    await putOff(featureId);
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

  it('"push now" while a push waits for triage pushes at once', async () => {
    const first = await svc.post(
      '/v1/requests',
      validRequest({ title: 'Burndown charts', requester: { email: 'first@lambda.io' } }),
    );
    const featureId = await svc.featureOf(((await first.json()) as { id: string }).id);
    const late = await acceptUntriaged('Burndown charts', 'late@lambda.io');
    await putOff(featureId);

    const clicked = Date.now();
    expect((await svc.post(`/v1/features/${featureId}/push`, '')).status).toBe(202);
    await waitFor('the issue', async () => {
      const [l] = await svc.runtime.store.links.forFeature(featureId);
      return l?.issueId ? true : undefined;
    });
    // Made without waiting again for the request still untriaged.
    const since = (await finishedPushes(featureId)).filter((p) => p.finishedOn >= clicked);
    expect(since.some((p) => p.putOff)).toBe(false);
    expect((await svc.runtime.store.requests.get(late))?.request.triagedAt).toBeNull();
  });
});
