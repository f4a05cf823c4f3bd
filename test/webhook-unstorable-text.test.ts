import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookDeliveries } from '../src/store/schema.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';

/**
 * Text the database cannot store (U+0000) in a signed tracker webhook: trackers do not retry a 4xx, so refusing the
 * delivery would lose the status change it carries. The NUL is removed and the change applied.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 1\n' });
}, 120_000);
afterAll(async () => {
  await svc?.stop();
});

describe('a NUL character in a tracker webhook', () => {
  it('is removed: the delivery is accepted and the status change applied', async () => {
    const posted = await svc.post('/v1/requests', {
      title: 'Export the audit log as CSV',
      requester: { email: 'nul-webhook@acme.example' },
    });
    expect(posted.status).toBe(202);
    const featureId = await svc.featureOf(((await posted.json()) as { id: string }).id);
    const link = await waitFor(
      'the feature pushed to Linear',
      async () =>
        (await svc.runtime.store.links.forFeature(featureId)).find(
          (l) => l.state === 'linked' && l.issueId && l.issueKey && !l.dirtySince,
        ),
      60_000,
    );
    const later = new Date(Date.now() + 60_000).toISOString();
    const payload = JSON.stringify({
      action: 'update',
      type: 'Issue',
      createdAt: later,
      data: {
        id: link.issueId,
        identifier: link.issueKey,
        url: `https://linear.app/sandbox/issue/${link.issueKey}`,
        updatedAt: later,
        state: { name: 'Do\u0000ne', type: 'completed' },
      },
      webhookTimestamp: Date.now(),
    });
    const signature = createHmac('sha256', svc.emulators().webhookSecret).update(payload).digest('hex');
    const res = await fetch(`${svc.url}/webhooks/linear/sandbox`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'linear-signature': signature,
        'linear-delivery': 'nul-1',
      },
      body: payload,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'accepted', deliveryId: 'nul-1' });
    await waitFor('the feature shipped', async () => {
      const view = (await (await svc.get(`/v1/features/${featureId}`)).json()) as { status: string };
      return view.status === 'shipped' ? true : undefined;
    });
    const stored = JSON.stringify(await svc.runtime.store.db.select().from(webhookDeliveries));
    expect(stored).toContain('"statusName":"Done"');
    expect(svc.logs.some((l) => l.includes('unhandled error'))).toBe(false);
  }, 120_000);
});
