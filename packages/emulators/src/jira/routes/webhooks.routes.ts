import { Router } from 'express';
import { z } from 'zod';
import { badRequest } from '../errors.ts';
import { JqlError, parseJql } from '../jql.ts';
import { SANDBOX_USER } from '../seed.ts';
import { JIRA_WEBHOOK_EVENTS, webhookJson } from '../webhooks.ts';
import type { RouteDeps } from './common.ts';

const webhookInput = z.object({
  name: z.string().min(1),
  url: z.url(),
  events: z.array(z.enum(JIRA_WEBHOOK_EVENTS)).min(1),
  filters: z.object({ 'issue-related-events-section': z.string().optional() }).loose().optional(),
  /** Older registrations put the filter here. */
  jqlFilter: z.string().optional(),
  excludeBody: z.boolean().optional(),
  secret: z.string().optional(),
  enabled: z.boolean().optional(),
});

/**
 * Webhooks the way an admin registers them (REST `POST /rest/webhooks/1.0/webhook`): url, events, a JQL filter and a
 * secret that signs every delivery. The secret is never returned.
 */
export function webhooksRouter({ state }: RouteDeps): Router {
  const router = Router();
  const base = '/rest/webhooks/1.0/webhook';

  router.post(base, (req, res) => {
    const parsed = webhookInput.safeParse(req.body);
    if (!parsed.success) {
      throw badRequest(...parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`));
    }
    const input = parsed.data;
    const jqlFilter = input.filters?.['issue-related-events-section'] ?? input.jqlFilter;
    if (jqlFilter?.trim()) {
      try {
        parseJql(jqlFilter, state.now(), SANDBOX_USER.timeZone);
      } catch (err) {
        if (err instanceof JqlError) throw badRequest(`Invalid JQL filter: ${err.message}`);
        throw err;
      }
    }
    const webhook = state.registerWebhook({
      name: input.name,
      url: input.url,
      events: input.events,
      jqlFilter,
      excludeBody: input.excludeBody ?? false,
      secret: input.secret,
      enabled: input.enabled ?? true,
    });
    res.status(201).json(webhookJson(state, webhook));
  });

  router.get(base, (_req, res) => {
    res.json([...state.webhooks.values()].map((w) => webhookJson(state, w)));
  });

  router.get(`${base}/:id`, (req, res) => {
    res.json(webhookJson(state, state.requireWebhook(req.params.id)));
  });

  router.delete(`${base}/:id`, (req, res) => {
    state.webhooks.delete(state.requireWebhook(req.params.id).id);
    res.status(204).end();
  });

  return router;
}
