import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Faults } from './faults.ts';
import { type OutgoingWebhook, WebhookDeliverer } from './webhook-deliverer.ts';

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A receiver answering each POST with the next status of `statuses` (the last one repeats). */
async function receiver(
  statuses: number[],
  headers: Record<string, string> = {},
): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(statuses[Math.min(bodies.length - 1, statuses.length - 1)] ?? 200, headers).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies };
}

const hook = (url: string, id = 'd1', build?: OutgoingWebhook['build']): OutgoingWebhook => ({
  deliveryId: id,
  url,
  event: 'test',
  build: build ?? ((attempt) => ({ body: JSON.stringify({ id, attempt }), headers: {} })),
});

describe('WebhookDeliverer', () => {
  it('close() resolves promptly while a retry is a minute away', async () => {
    const { url, bodies } = await receiver([500]);
    const deliverer = new WebhookDeliverer({ faults: new Faults(), retryDelaysMs: [60_000] });
    deliverer.send(hook(url));
    await waitFor('the first attempt', async () => (bodies.length === 1 ? true : undefined));
    let closed = false;
    const closing = deliverer.close().then(() => {
      closed = true;
    });
    await waitFor('close to resolve', async () => (closed ? true : undefined), 2_000);
    await closing;
    expect(bodies).toHaveLength(1);
  });

  it('a redirect is a failed delivery, not a success', async () => {
    const { url, bodies } = await receiver([302], { location: 'http://127.0.0.1:1/elsewhere' });
    const deliverer = new WebhookDeliverer({ faults: new Faults(), retryDelaysMs: [] });
    deliverer.send(hook(url));
    await deliverer.idle();
    expect(bodies).toHaveLength(1);
    expect(deliverer.list()[0]).toMatchObject({ state: 'failed', attempts: [{ status: 302 }] });
  });

  it('a reorder fault cleared before its batch filled releases what it held', async () => {
    const { url, bodies } = await receiver([200]);
    const faults = new Faults();
    faults.set({ webhooks: { reorder: 3 } });
    const deliverer = new WebhookDeliverer({ faults, retryDelaysMs: [] });
    deliverer.send(hook(url, 'a'));
    deliverer.send(hook(url, 'b'));
    expect(deliverer.heldCount()).toBe(2);
    faults.clear();
    deliverer.send(hook(url, 'c'));
    await waitFor('all three delivered', async () => (bodies.length === 3 ? true : undefined));
    expect(bodies.map((b) => (JSON.parse(b) as { id: string }).id)).toEqual(['b', 'a', 'c']);
    expect(deliverer.heldCount()).toBe(0);
    await deliverer.close();
  });

  it('a payload that fails to build is a failed attempt, not a crashed process', async () => {
    const { url } = await receiver([200]);
    const deliverer = new WebhookDeliverer({ faults: new Faults(), retryDelaysMs: [] });
    deliverer.send(
      hook(url, 'x', () => {
        throw new Error('cannot build');
      }),
    );
    await deliverer.idle();
    expect(deliverer.list()[0]).toMatchObject({ state: 'failed', attempts: [{ error: 'cannot build' }] });
  });

  it('keeps only the newest 1,000 delivery records', async () => {
    const faults = new Faults();
    faults.set({ webhooks: { drop: 1_005 } });
    const deliverer = new WebhookDeliverer({ faults });
    for (let i = 0; i < 1_005; i++) deliverer.send(hook('http://127.0.0.1:1/', `d${i}`));
    expect(deliverer.list()).toHaveLength(1_000);
    expect(deliverer.list()[0]?.deliveryId).toBe('d5');
  });
});
