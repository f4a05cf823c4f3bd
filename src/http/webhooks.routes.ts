import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { jiraSpec } from '../connectors/jira/spec.ts';
import { linearSpec } from '../connectors/linear/spec.ts';
import { headerValue, type Tracker } from '../connectors/tracker.ts';
import type { Trackers } from '../connectors/tracker-registry.ts';
import { withoutNul } from '../domain/nul.ts';
import type { TrackerKind } from '../domain/tracker.ts';
import { errorForLog } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import type { Store } from '../store/store.ts';
import { HttpProblem } from './problem.ts';
import type { RouteHandlers } from './route-table.ts';

/**
 * `POST /webhooks/jira` and `POST /webhooks/linear` (a site's own path: `/webhooks/jira/<site>`): verify the
 * signature over the raw bytes, record the delivery (unique per delivery id, so a redelivery is a no-op), enqueue
 * its job, answer 200. Nothing else happens before the answer, so the tracker never times out on us; the job
 * applies it (workers/jobs/tracker-event.job.ts). What is kept is the events the delivery means, never its body.
 * A delivery that only carries events we ignore is answered 200 and not kept.
 */

const DELIVERY_HEADER: Record<TrackerKind, string> = {
  jira: jiraSpec.webhook.deliveryHeader,
  linear: linearSpec.webhook.deliveryHeader,
};

const SECRET_SETTING: Record<TrackerKind, string> = {
  jira: `${jiraSpec.env.webhookSecret} or trackers.jira[].webhookSecretEnv`,
  linear: `${linearSpec.env.webhookSecret} or trackers.linear[].webhookSecretEnv`,
};

/** The tracker a path names: its site, else `default`, else the only one of that kind. */
function trackerFor(trackers: Trackers, kind: TrackerKind, site: string | undefined): Tracker | undefined {
  if (site !== undefined) return trackers.get(kind, site);
  const ofKind = trackers.all().filter((t) => t.kind === kind);
  return ofKind.find((t) => t.site === 'default') ?? (ofKind.length === 1 ? ofKind[0] : undefined);
}

interface WebhooksDeps {
  trackers: Trackers;
  store: Store;
  queues: Queues;
  metrics: Metrics;
  now?: () => number;
}

/** The tracker the path names, or the 404 that says why there is none. */
function pathTracker(trackers: Trackers, provider: TrackerKind, site: string | undefined): Tracker {
  const tracker = trackerFor(trackers, provider, site);
  if (tracker) return tracker;
  throw new HttpProblem(
    404,
    'not-found',
    'Not found',
    site === undefined
      ? `more than one ${provider} tracker is configured: use /webhooks/${provider}/<site>`
      : `no ${provider} tracker "${site}" is configured`,
  );
}

/** The delivery's events, once its signature is verified over the raw body (401 counted and logged if not). */
function verifiedEvents(
  { trackers, metrics, now = () => Date.now() }: WebhooksDeps,
  tracker: Tracker,
  body: Buffer,
  req: Request,
) {
  const provider = tracker.kind;
  const rejected = (reason: string) => {
    metrics.webhooksReceived.inc({ provider, outcome: 'rejected' });
    req.log.warn({ provider, site: tracker.site, reason }, 'webhook rejected');
    return new HttpProblem(401, 'unauthorized', 'Unauthorized', reason);
  };
  const secret = trackers.webhookSecret(provider, tracker.site);
  if (!secret)
    throw rejected(`no webhook secret is configured for this tracker (${SECRET_SETTING[provider]})`);
  const verdict = tracker.verifyWebhook(req.headers, body, secret, now());
  if (!verdict.ok) throw rejected(verdict.reason);

  try {
    JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpProblem(400, 'malformed-json', 'Malformed JSON', 'the webhook body is not valid JSON');
  }
  // A NUL the database cannot store is removed, not refused: trackers do not retry a 4xx, so a refusal would
  // lose the status change for good.
  return withoutNul(tracker.parseWebhook(body));
}

/** Verifies, records (once per delivery id) and enqueues a tracker's delivery, and answers what became of it. */
async function receiveDelivery(deps: WebhooksDeps, tracker: Tracker, req: Request, res: Response) {
  const { store, queues, metrics } = deps;
  const provider = tracker.kind;
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const events = verifiedEvents(deps, tracker, body, req);
  if (events.every((e) => e.type === 'ignored')) {
    metrics.webhooksReceived.inc({ provider, outcome: 'ignored' });
    res.json({ status: 'ignored', reasons: events.map((e) => (e.type === 'ignored' ? e.reason : '')) });
    return;
  }
  // Without a delivery id (or with an empty one: a hand-made request), identical bodies count as one delivery.
  const deliveryId =
    headerValue(req.headers, DELIVERY_HEADER[provider])?.trim() ||
    `sha256:${createHash('sha256').update(body).digest('hex')}`;
  // The events, not the body: applying needs ids, keys, status and times, and the body quotes customers.
  const recorded = await store.webhooks.record({ provider, site: tracker.site, deliveryId, events });
  if (recorded.duplicate) {
    metrics.webhooksReceived.inc({ provider, outcome: 'duplicate' });
    res.json({ status: 'duplicate', deliveryId });
    return;
  }
  try {
    await queues.enqueue('tracker-event', { deliveryId: recorded.id });
  } catch (err) {
    // Recorded is enough to answer: the redrive enqueues unprocessed deliveries.
    req.log.warn(
      { error: errorForLog(err), deliveryId },
      'webhook recorded; enqueue failed (redrive retries)',
    );
  }
  metrics.webhooksReceived.inc({ provider, outcome: 'accepted' });
  res.json({ status: 'accepted', deliveryId });
}

export function webhooksHandlers(
  deps: WebhooksDeps,
): Pick<RouteHandlers, 'trackerWebhook' | 'trackerSiteWebhook'> {
  return {
    trackerWebhook: ({ params: { provider } }, req, res) =>
      receiveDelivery(deps, pathTracker(deps.trackers, provider, undefined), req, res),
    trackerSiteWebhook: ({ params: { provider, site } }, req, res) =>
      receiveDelivery(deps, pathTracker(deps.trackers, provider, site), req, res),
  };
}
