import express, { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { CallLog } from './call-log.ts';
import type { Faults } from './faults.ts';
import type { WebhookDeliverer } from './webhook-deliverer.ts';

const count = z.number().int().min(0);
const window = { count: count.optional(), forMs: count.optional() };
/** What `POST /_emulator/faults` accepts: FaultSpec (faults.ts), checked. */
const faultSpec = z.strictObject({
  rateLimit: z.strictObject({ ...window, retryAfterSeconds: count.optional() }).optional(),
  serverError: z
    .strictObject({
      ...window,
      status: z.number().int().min(500).max(599).optional(),
      rate: z.number().min(0).max(1).optional(),
      seed: z.number().int().min(0).max(0xffff_ffff).optional(),
    })
    .optional(),
  latencyMs: count.optional(),
  responseDelayMs: count.optional(),
  webhooks: z
    .strictObject({
      drop: count.optional(),
      delayMs: count.optional(),
      duplicate: count.optional(),
      reorder: count.optional(),
    })
    .optional(),
});

/**
 * `/_emulator/*`, the same on both emulators:
 *   POST /_emulator/reset            empty the state (back to the seeded site / workspace), calls, faults, deliveries
 *   GET  /_emulator/state            the emulator's state as JSON
 *   GET  /_emulator/calls            every call answered: operation, time, status, fault
 *   GET  /_emulator/webhooks         every webhook delivery with its attempts
 *   POST /_emulator/faults           inject faults (body: FaultSpec); DELETE clears them
 *   POST /_emulator/webhooks/flush   wait until no delivery is in flight
 * No authentication: emulators listen on 127.0.0.1 and hold only sandbox data.
 */
export function controlRouter({
  calls,
  faults,
  deliverer,
  state,
  reset,
}: {
  calls: CallLog;
  faults: Faults;
  deliverer: WebhookDeliverer;
  state: () => unknown;
  reset: () => void;
}): Router {
  const router = Router();
  router.use('/_emulator', express.json({ limit: '1mb' }));
  router.post('/_emulator/reset', (_req, res) => {
    reset();
    calls.clear();
    faults.clear();
    deliverer.releaseHeld();
    deliverer.reset();
    res.status(204).end();
  });
  router.get('/_emulator/state', (_req, res) => {
    res.json(state());
  });
  router.get('/_emulator/calls', (_req, res) => {
    res.json({ calls: calls.list() });
  });
  router.get('/_emulator/webhooks', (_req, res) => {
    res.json({ deliveries: deliverer.list() });
  });
  router.post('/_emulator/webhooks/flush', async (_req, res) => {
    await deliverer.idle();
    res.json({ held: deliverer.heldCount() });
  });
  router.post('/_emulator/faults', (req, res) => {
    const parsed = faultSpec.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({
        error: 'invalid fault specification',
        problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
      });
      return;
    }
    faults.set(parsed.data);
    if (faults.webhookReorder <= deliverer.heldCount()) deliverer.releaseHeld();
    res.json(faults.describe());
  });
  router.get('/_emulator/faults', (_req, res) => {
    res.json(faults.describe());
  });
  router.delete('/_emulator/faults', (_req, res) => {
    faults.clear();
    deliverer.releaseHeld();
    res.status(204).end();
  });
  return router;
}

/**
 * Added latency, applied to API calls (not to control endpoints or pages): before the call is handled
 * (`latencyMs`), and after it took effect but before the answer leaves (`responseDelayMs`).
 */
export function latency(faults: Faults): RequestHandler {
  return (_req, res, next) => {
    const hold = faults.responseDelayMs;
    if (hold > 0) {
      const end = res.end.bind(res) as (...args: unknown[]) => unknown;
      res.end = ((...args: unknown[]) => {
        setTimeout(() => end(...args), hold);
        return res;
      }) as typeof res.end;
    }
    if (faults.latencyMs > 0) setTimeout(next, faults.latencyMs);
    else next();
  };
}
