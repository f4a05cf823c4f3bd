import type { Request } from 'express';
import type { IntakeWriter } from '../application/intake-writer.ts';
import { isConnectorError, WebhookSignatureError } from '../connectors/errors.ts';
import type { Sources } from '../connectors/source-registry.ts';
import type { Metrics } from '../metrics.ts';
import { HttpProblem } from './problem.ts';
import type { RouteHandlers } from './route-table.ts';

type Source = NonNullable<ReturnType<Sources['get']>>;
type SourceMetrics = Pick<Metrics, 'webhooksReceived'>;

/** What the source makes of the delivery, or the problem that answers it (counted and, where useful, logged). */
async function parseDelivery(source: Source, metrics: SourceMetrics, req: Request) {
  const provider = `source-${source.kind}`;
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (!source.parseWebhook) {
    throw new HttpProblem(
      404,
      'not-found',
      'Not found',
      `intake source "${source.id}" (${source.kind}) takes no webhooks`,
    );
  }
  try {
    return await source.parseWebhook(req.headers, body);
  } catch (err) {
    if (err instanceof WebhookSignatureError) {
      metrics.webhooksReceived.inc({ provider, outcome: 'rejected' });
      req.log.warn({ sourceId: source.id, reason: err.message }, 'source webhook rejected');
      throw new HttpProblem(401, 'unauthorized', 'Unauthorized', err.message);
    }
    if (isConnectorError(err) && err.kind !== 'invalid_input' && err.kind !== 'not_found') {
      // The provider redelivers on a 5xx; nothing was stored. Our own token refused ('auth', 'config') waits
      // for the fix the scheduled pull's unhealthy mark asks for; a busy or down API ('transient',
      // 'rate_limited') for itself.
      if (err.kind === 'auth' || err.kind === 'config') {
        req.log.warn({ sourceId: source.id, kind: err.kind, reason: err.message }, 'source webhook deferred');
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
}

/**
 * `POST /webhooks/sources/<source id>`: the source verifies the signature over the raw bytes and turns the delivery
 * into items (`parseWebhook`); they are stored like a pulled page without moving the cursor (the next pull re-reads
 * them as no-ops), and the answer goes out right after the commit. A bad signature is a 401 and stores nothing; a
 * URL-verification challenge is answered as the provider asks.
 */
export function sourceWebhooksHandlers({
  sources,
  write,
  metrics,
}: {
  sources: Sources;
  write: IntakeWriter;
  metrics: SourceMetrics;
}): Pick<RouteHandlers, 'sourceWebhook'> {
  return {
    sourceWebhook: async ({ params: { sourceId } }, req, res) => {
      const source = sources.get(sourceId);
      if (!source) {
        throw new HttpProblem(404, 'not-found', 'Not found', `no intake source "${sourceId}" is configured`);
      }
      const provider = `source-${source.kind}`;
      const result = await parseDelivery(source, metrics, req);
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
    },
  };
}
