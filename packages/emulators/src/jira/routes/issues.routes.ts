import { Router } from 'express';
import { parseFieldSelection, parsePropertyKeys } from '../field-selection.ts';
import { createIssue, deleteIssue, editIssue } from '../operations.ts';
import { checkProperty } from '../state.ts';
import { apiBase, issueJson } from '../views.ts';
import { queryString, type RouteDeps } from './common.ts';
import { readCreate, readEdit } from './issue-input.ts';

/** Create (v3 with ADF, v2 with a string description), get, edit and delete an issue. */
export function issuesRouter({ state, email }: RouteDeps): Router {
  const router = Router();

  for (const v of [3, 2] as const) {
    router.post(`/rest/api/${v}/issue`, (req, res) => {
      const issue = createIssue(state, readCreate(state, req.body, v));
      res.status(201).json({ id: issue.id, key: issue.key, self: `${apiBase(state, v)}/issue/${issue.id}` });
    });
  }

  router.get('/rest/api/3/issue/:issueIdOrKey', (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    res.json(
      issueJson(state, issue, {
        fields: parseFieldSelection(req.query['fields'], 'all'),
        properties: parsePropertyKeys(req.query['properties'], issue.properties.keys()),
        email,
      }),
    );
  });

  router.put('/rest/api/3/issue/:issueIdOrKey', (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const { change, properties } = readEdit(issue, req.body);
    for (const p of properties) checkProperty(p.key, p.value);
    editIssue(state, issue, change);
    for (const p of properties) issue.properties.set(p.key, p.value);
    if (queryString(req, 'returnIssue') === 'true') {
      res.json(issueJson(state, issue, { fields: parseFieldSelection(undefined, 'all'), email }));
      return;
    }
    res.status(204).end();
  });

  router.delete('/rest/api/3/issue/:issueIdOrKey', (req, res) => {
    deleteIssue(state, state.requireIssue(req.params.issueIdOrKey));
    res.status(204).end();
  });

  return router;
}
