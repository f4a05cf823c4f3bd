import type { Request, Response } from 'express';
import type { z } from 'zod';
import {
  legacyRequestPayloadHash,
  type RequestInput,
  requestContent,
  requestPayloadHash,
} from '../domain/request.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import { scheduleTriageAfterCommit } from '../queue/schedule-triage.ts';
import type { Store } from '../store/store.ts';
import { HttpProblem } from './problem.ts';
import type { RouteHandlers } from './route-table.ts';
import type { acceptedRequest, requestView } from './schemas.ts';

/** Metric labels only for sources we know, so a client cannot mint new series. */
const KNOWN_SOURCES = new Set(['api', 'csv', 'email', 'zendesk', 'intercom', 'slack']);

interface RequestsDeps {
  store: Store;
  queues: Queues;
  metrics: Metrics;
}

/**
 * Stores a valid request (committed before the answer), counts it and enqueues its triage; a repeat under the same
 * Idempotency-Key or source + sourceRef answers what the first got, a different body under either is a 422.
 */
async function acceptRequest(
  { store, queues, metrics }: RequestsDeps,
  input: RequestInput,
  idempotencyKey: string | undefined,
  req: Request,
  res: Response,
) {
  const receivedAt = input.receivedAt ? new Date(input.receivedAt) : new Date();
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
    await scheduleTriageAfterCommit(queues, [result.request.id], req.log);
  } else {
    res.set('Idempotent-Replayed', 'true');
  }
  return result.request;
}

export function requestsHandlers(deps: RequestsDeps): Pick<RouteHandlers, 'submitRequest' | 'getRequest'> {
  return {
    submitRequest: async ({ headers, body }, req, res) => {
      const request = await acceptRequest(deps, body, headers['Idempotency-Key'], req, res);
      const self = `/v1/requests/${request.id}`;
      const answer: z.infer<typeof acceptedRequest> = {
        id: request.id,
        status: 'received',
        receivedAt: request.receivedAt.toISOString(),
        links: { self },
      };
      res.status(202).location(self).json(answer);
    },

    getRequest: async ({ params: { id } }, _req, res) => {
      const row = await deps.store.requests.get(id);
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
    },
  };
}
