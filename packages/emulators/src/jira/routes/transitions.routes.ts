import { Router } from 'express';
import { badRequest } from '../errors.ts';
import { addComment, availableTransitions, transitionIssue } from '../operations.ts';
import { transitionJson } from '../views.ts';
import { isRecord, queryString, type RouteDeps, readAdf, reference } from './common.ts';

/** The workflow: which transitions an issue has, and doing one (the status, resolution and changelog follow). */
export function transitionsRouter({ state }: RouteDeps): Router {
  const router = Router();

  router.get('/rest/api/3/issue/:issueIdOrKey/transitions', (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const only = queryString(req, 'transitionId');
    const transitions = availableTransitions(state, issue).filter((t) => only === undefined || t.id === only);
    // `expand=transitions.fields`: each transition's screen fields (the resolution, where its screen has one).
    const withFields = (queryString(req, 'expand') ?? '').split(',').includes('transitions.fields');
    res.json({
      expand: 'transitions',
      transitions: transitions.map((t) => transitionJson(state, t, { withFields })),
    });
  });

  router.post('/rest/api/3/issue/:issueIdOrKey/transitions', (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const body = isRecord(req.body) ? req.body : {};
    const id = reference(body['transition'])?.id;
    if (id === undefined) throw badRequest("Missing 'transition' identifier");
    const fields = isRecord(body['fields']) ? body['fields'] : {};
    const resolutionName = reference(fields['resolution'])?.name;
    // A comment can ride along: `update: {comment: [{add: {body: <ADF>}}]}`.
    const update = isRecord(body['update']) ? body['update'] : {};
    const comments = Array.isArray(update['comment']) ? update['comment'].filter(isRecord) : [];
    const bodies = comments.flatMap((op) =>
      isRecord(op['add']) ? [readAdf('comment', op['add']['body'])] : [],
    );
    transitionIssue(state, issue, id, { resolutionName });
    for (const doc of bodies) if (doc) addComment(state, issue, doc);
    res.status(204).end();
  });

  return router;
}
