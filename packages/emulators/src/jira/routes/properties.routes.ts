import { Router } from 'express';
import { JiraError } from '../errors.ts';
import { checkProperty } from '../state.ts';
import { apiBase } from '../views.ts';
import type { RouteDeps } from './common.ts';

/**
 * Issue entity properties: the request body of a PUT *is* the JSON value (up to 32,768 characters); 201 when the
 * property is new, 200 when it replaced one (https://developer.atlassian.com/cloud/jira/platform/jira-entity-properties/).
 */
export function propertiesRouter({ state }: RouteDeps): Router {
  const router = Router();
  const base = '/rest/api/3/issue/:issueIdOrKey/properties';
  const missing = (key: string) => new JiraError(404, [`The property with key '${key}' does not exist.`]);

  router.get(base, (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const keys = [...issue.properties.keys()].map((key) => ({
      self: `${apiBase(state)}/issue/${issue.id}/properties/${encodeURIComponent(key)}`,
      key,
    }));
    res.json({ keys });
  });

  router.get(`${base}/:propertyKey`, (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const key = req.params.propertyKey;
    if (!issue.properties.has(key)) throw missing(key);
    res.json({ key, value: issue.properties.get(key) });
  });

  router.put(`${base}/:propertyKey`, (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const key = req.params.propertyKey;
    checkProperty(key, req.body);
    const created = !issue.properties.has(key);
    issue.properties.set(key, req.body);
    res.status(created ? 201 : 200).end();
  });

  router.delete(`${base}/:propertyKey`, (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const key = req.params.propertyKey;
    if (!issue.properties.delete(key)) throw missing(key);
    res.status(204).end();
  });

  return router;
}
