import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from './helpers/service.ts';

/**
 * Text the database cannot store (U+0000) that reaches it past the schemas, here in a signed tracker webhook, is the
 * sender's 400, not a 500: the error handler knows the database's refusal of such text.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('text the database cannot store', () => {
  it('is a 400 from an endpoint that reaches the database with it', async () => {
    const payload = JSON.stringify({
      action: 'update',
      type: 'Issue',
      createdAt: new Date().toISOString(),
      data: {
        id: '00000000-0000-4000-8000-000000000a0a',
        identifier: 'SBX-4242',
        url: 'https://linear.app/sandbox/issue/SBX-4242',
        updatedAt: new Date().toISOString(),
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
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ title: 'Unstorable text' });
    expect(svc.logs.some((l) => l.includes('unhandled error'))).toBe(false);
  });
});
