import { Router } from 'express';
import type { z } from 'zod';
import { isUuid } from '../domain/ids.ts';
import {
  legacyRequestPayloadHash,
  receivedInFuture,
  requestContent,
  requestInput,
  requestPayloadHash,
} from '../domain/request.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import type { Store } from '../store/store.ts';
import { type FieldError, fieldErrors, HttpProblem, validationProblem } from './problem.ts';
import { type acceptedRequest, idempotencyKeyHeader, type requestView } from './schemas.ts';

/** Metric labels only for sources we know, so a client cannot mint new series. */
const KNOWN_SOURCES = new Set(['api', 'csv', 'email', 'zendesk', 'intercom', 'slack']);

export function requestsRouter({
  store,
  queues,
  metrics,
}: {
  store: Store;
  queues: Queues;
  metrics: Metrics;
  log: Logger;
}) {
  const router = Router();

  router.post('/v1/requests', async (req, res) => {
    const idempotencyHeader = req.get('idempotency-key');
    const errors: FieldError[] = [];
    let idempotencyKey: string | undefined;
    if (idempotencyHeader !== undefined) {
      const parsedKey = idempotencyKeyHeader.safeParse(idempotencyHeader);
      if (parsedKey.success) idempotencyKey = parsedKey.data;
      else {
        errors.push({
          field: 'Idempotency-Key',
          in: 'header',
          detail: parsedKey.error.issues[0]?.message ?? 'invalid',
        });
      }
    }
    const parsed = requestInput.safeParse(req.body);
    if (!parsed.success) errors.push(...fieldErrors(parsed.error));
    const now = new Date();
    if (parsed.success && receivedInFuture(parsed.data, now)) {
      errors.push({
        field: 'receivedAt',
        in: 'body',
        pointer: '/receivedAt',
        detail: 'receivedAt must not be in the future',
      });
    }
    if (errors.length > 0 || !parsed.success) throw validationProblem(errors);

    const input = parsed.data;
    const receivedAt = input.receivedAt ? new Date(input.receivedAt) : now;
    const result = await store.requests.accept({
      source: input.source,
      sourceRef: input.sourceRef,
      idempotencyScope: req.apiKeyId,
      idempotencyKey,
      payloadHash: requestPayloadHash(input),
      legacyPayloadHash: legacyRequestPayloadHash(input),
      ...requestContent(input),
      receivedAt,
    });
    if (result.kind === 'key-reused') {
      throw new HttpProblem(
        422,
        'idempotency-key-reused',
        'Idempotency-Key reused',
        'this Idempotency-Key was already used for a different request body',
        { requestId: result.request.id },
      );
    }
    if (result.kind === 'source-ref-reused') {
      throw new HttpProblem(
        422,
        'source-ref-reused',
        'sourceRef reused',
        `source "${input.source}" already has a request with this sourceRef and a different body; send a new sourceRef for a new request (an edit of the first is not taken)`,
        { requestId: result.request.id },
      );
    }

    req.log.info(
      { requestId: result.request.id, source: input.source, outcome: result.kind },
      'request accepted',
    );
    metrics.requestsAccepted.inc({
      source: KNOWN_SOURCES.has(input.source) ? input.source : 'other',
      outcome: result.kind,
    });
    if (result.kind === 'created') {
      // Committed already; if Redis is down the redrive enqueues it later, so intake does not fail.
      await queues.enqueue('triage-request', { requestId: result.request.id }).catch((err: Error) => {
        req.log.warn(
          { requestId: result.request.id, error: errorForLog(err) },
          'enqueue failed; the redrive will pick it up',
        );
      });
    } else {
      res.set('Idempotent-Replayed', 'true');
    }
    const self = `/v1/requests/${result.request.id}`;
    const body: z.infer<typeof acceptedRequest> = {
      id: result.request.id,
      status: 'received',
      receivedAt: result.request.receivedAt.toISOString(),
      links: { self },
    };
    res.status(202).location(self).json(body);
  });

  router.get('/v1/requests/:id', async (req, res) => {
    const id = req.params.id;
    const row = isUuid(id) ? await store.requests.get(id) : undefined;
    if (!row) throw new HttpProblem(404, 'not-found', 'Not found', `no request with id ${id}`);
    const { request, feature, requester, company } = row;
    const view: z.infer<typeof requestView> = {
      id: request.id,
      title: request.title,
      body: request.body,
      source: request.source,
      sourceRef: request.sourceRef,
      url: request.url,
      tags: request.tags,
      important: request.important,
      receivedAt: request.receivedAt.toISOString(),
      createdAt: request.createdAt.toISOString(),
      triagedAt: request.triagedAt?.toISOString() ?? null,
      status: feature?.status ?? 'received',
      requester: requester
        ? { id: requester.id, email: requester.email, name: requester.name }
        : {
            id: null,
            email: request.submittedRequester.email,
            name: request.submittedRequester.name ?? null,
          },
      company: company ?? null,
      feature: feature ? { ...feature, links: { self: `/v1/features/${feature.id}` } } : null,
    };
    res.json(view);
  });

  return router;
}
