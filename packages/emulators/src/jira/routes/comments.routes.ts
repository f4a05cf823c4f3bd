import { Router } from 'express';
import { textToAdf } from '../adf.ts';
import { fieldErrors } from '../errors.ts';
import { addComment } from '../operations.ts';
import { apiBase, commentJson, commentsPage } from '../views.ts';
import { isRecord, queryString, type RouteDeps, readAdf } from './common.ts';

/**
 * Comments: v3 with an ADF body; v2 with a string body, which jira.js uses for strings and then reads the comment
 * back through v3 (`GET …/comment/{id}`).
 */
export function commentsRouter({ state, email }: RouteDeps): Router {
  const router = Router();

  router.get('/rest/api/3/issue/:issueIdOrKey/comment', (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const page = commentsPage(state, issue, email);
    const startAt = Math.max(0, Number(queryString(req, 'startAt') ?? 0) || 0);
    const maxResults = Math.max(1, Number(queryString(req, 'maxResults') ?? 5000) || 5000);
    const ordered = queryString(req, 'orderBy') === '-created' ? [...page.comments].reverse() : page.comments;
    res.json({ ...page, comments: ordered.slice(startAt, startAt + maxResults), startAt, maxResults });
  });

  router.get('/rest/api/3/issue/:issueIdOrKey/comment/:id', (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    res.json(commentJson(state, issue, state.requireComment(issue, req.params.id), email));
  });

  router.post('/rest/api/3/issue/:issueIdOrKey/comment', (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const body = isRecord(req.body) ? readAdf('comment', req.body['body']) : null;
    if (!body) throw fieldErrors({ comment: 'Comment body can not be empty!' });
    res.status(201).json(commentJson(state, issue, addComment(state, issue, body), email));
  });

  router.post('/rest/api/2/issue/:issueIdOrKey/comment', (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const text = isRecord(req.body) ? req.body['body'] : undefined;
    if (typeof text !== 'string' || text.trim() === '') {
      throw fieldErrors({ comment: 'Comment body can not be empty!' });
    }
    const comment = addComment(state, issue, textToAdf(text));
    res.status(201).json({
      ...commentJson(state, issue, comment, email, 2),
      self: `${apiBase(state, 2)}/issue/${issue.id}/comment/${comment.id}`,
    });
  });

  return router;
}
