import express, { Router } from 'express';
import type { IntakeWriter } from '../application/intake-writer.ts';
import { isConnectorError, WebhookSignatureError } from '../connectors/errors.ts';
import type { Sources } from '../connectors/source-registry.ts';
import type { Metrics } from '../metrics.ts';
import { HttpProblem } from './problem.ts';

/** Tickets and conversations carry whole threads; more than the API's body limit. */
const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;

/**
 * `POST /webhooks/sources/<source id>`: the source verifies the signature over the raw bytes and turns the delivery
 * into items (`parseWebhook`); they are stored like a pulled page without moving the cursor (the next pull re-reads
 * them as no-ops), and the answer goes out right after the commit. A bad signature is a 401 and stores nothing; a
 * URL-verification challenge is answered as the provider asks.
 */
export function sourceWebhooksRouter({
  sources,
  write,
  metrics,
}: {
  sources: Sources;
  write: IntakeWriter;
  metrics: Pick<Metrics, 'webhooksReceived'>;
}) {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });

  router.post('/webhooks/sources/:sourceId', raw, async (req, res) => {
    const sourceId = String(req.params['sourceId']);
    const source = sources.get(sourceId);
    if (!source)
      throw new HttpProblem(404, 'not-found', 'Not found', `no intake source "${sourceId}" is configured`);
    if (!source.parseWebhook) {
      throw new HttpProblem(
        404,
        'not-found',
        'Not found',
        `intake source "${sourceId}" (${source.kind}) takes no webhooks`,
      );
    }
    const provider = `source-${source.kind}`;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let result: Awaited<ReturnType<NonNullable<typeof source.parseWebhook>>>;
    try {
      result = await source.parseWebhook(req.headers, body);
    } catch (err) {
      if (err instanceof WebhookSignatureError) {
        metrics.webhooksReceived.inc({ provider, outcome: 'rejected' });
        req.log.warn({ sourceId, reason: err.message }, 'source webhook rejected');
        throw new HttpProblem(401, 'unauthorized', 'Unauthorized', err.message);
      }
      if (isConnectorError(err) && err.kind !== 'invalid_input' && err.kind !== 'not_found') {
        // The provider redelivers on a 5xx; nothing was stored. Our own token refused ('auth', 'config') waits
        // for the fix the scheduled pull's unhealthy mark asks for; a busy or down API ('transient',
        // 'rate_limited') for itself.
        if (err.kind === 'auth' || err.kind === 'config') {
          req.log.warn({ sourceId, kind: err.kind, reason: err.message }, 'source webhook deferred');
        }
        metrics.webhooksReceived.inc({ provider, outcome: 'deferred' });
        throw new HttpProblem(
          503,
          'unavailable',
          'Service unavailable',
          'the source could not be read; retry later',
        );
      }
      if (isConnectorError(err) && err.kind === 'invalid_input') {
        metrics.webhooksReceived.inc({ provider, outcome: 'rejected' });
        throw new HttpProblem(400, 'bad-request', 'Bad request', err.message);
      }
      throw err;
    }
    if (result.kind === 'challenge') {
      metrics.webhooksReceived.inc({ provider, outcome: 'challenge' });
      res.json(result.body);
      return;
    }
    if (result.kind === 'ignored') {
      metrics.webhooksReceived.inc({ provider, outcome: 'ignored' });
      res.json({ status: 'ignored', reason: result.reason });
      return;
    }
    const stored = await write(source.id, result, undefined);
    metrics.webhooksReceived.inc({ provider, outcome: 'accepted' });
    res.json({
      status: 'accepted',
      created: stored.created.length,
      replayed: stored.replayed,
      rejected: stored.rejected,
    });
  });

  return router;
}
