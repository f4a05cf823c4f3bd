import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/** `POST /v1/features/:id/push` means now, even when a coalesced push is waiting out a long window. */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 120\n' });
});
afterAll(async () => {
  await svc?.stop();
});

describe('push on demand', () => {
  it('creates a new feature at once, and runs a later push that waits for its coalescing window at once', async () => {
    const post = async (email: string) => {
      const res = await svc.post(
        '/v1/requests',
        validRequest({ title: 'Gantt export', requester: { email } }),
      );
      const { id } = (await res.json()) as { id: string };
      return svc.featureOf(id);
    };
    const featureId = await post('first@upsilon.io');
    // The create waits for the 120 s window too: the link is dirty, with no issue yet.
    await waitFor('the link dirty, no issue', async () => {
      const [l] = await svc.runtime.store.links.forFeature(featureId);
      return l?.dirtySince && !l.issueId ? true : undefined;
    });
    expect((await svc.post(`/v1/features/${featureId}/push`, '')).status).toBe(202);
    const link = await waitFor('the first push, well before the window', async () => {
      const [l] = await svc.runtime.store.links.forFeature(featureId);
      return l?.issueId && !l.dirtySince ? l : undefined;
    });
    await post('second@upsilon.io');
    // The second request waits for the 120 s window.
    await waitFor('the link dirty', async () =>
      (await svc.runtime.store.links.forFeature(featureId))[0]?.dirtySince ? true : undefined,
    );
    const needs = () =>
      [...svc.emulators().linear.state.needs.values()].filter((n) => n.issueId === link.issueId);
    expect(needs()).toHaveLength(1);

    const res = await svc.post(`/v1/features/${featureId}/push`, '');
    expect(res.status).toBe(202);
    await waitFor('the second customer request, well before the window', async () =>
      needs().length === 2 ? true : undefined,
    );
  });

  it('answers 409 for a target that is not configured and leaves no link behind', async () => {
    const res = await svc.post(
      '/v1/requests',
      validRequest({ title: 'Offline mode', requester: { email: 'third@upsilon.io' } }),
    );
    const featureId = await svc.featureOf(((await res.json()) as { id: string }).id);
    expect((await svc.post(`/v1/features/${featureId}/push`, '')).status).toBe(202);
    await waitFor('the routed push', async () => {
      const [l] = await svc.runtime.store.links.forFeature(featureId);
      return l?.issueId && !l.dirtySince ? l : undefined;
    });
    const links = async () => (await svc.runtime.store.links.forFeature(featureId)).length;
    const [linksBefore, dirtyBefore] = [await links(), await svc.runtime.store.links.countDirty()];
    for (const target of [
      { jira: { site: 'nowhere', project: 'ENG' } },
      { linear: { workspace: 'elsewhere', team: 'ENG' } },
    ]) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const refused = await svc.post(`/v1/features/${featureId}/push`, { target });
        expect(refused.status).toBe(409);
        expect(((await refused.json()) as { detail: string }).detail).toMatch(/is configured/);
      }
    }
    expect(await links()).toBe(linksBefore);
    expect(await svc.runtime.store.links.countDirty()).toBe(dirtyBefore);
  });
});
