import { Router } from 'express';
import { badRequest, fieldErrors, JiraError } from '../errors.ts';
import { upsertRemoteLink } from '../link-operations.ts';
import type { RemoteLinkRecord } from '../state.ts';
import { remoteLinkJson } from '../views.ts';
import { isRecord, queryString, type RouteDeps } from './common.ts';

/** Reads a remote link body; `object.url` and `object.title` are required (spec: RemoteObject.required). */
function readRemoteLink(body: unknown): Omit<RemoteLinkRecord, 'id'> {
  const root = isRecord(body) ? body : {};
  const object = isRecord(root['object']) ? root['object'] : {};
  const errors: Record<string, string> = {};
  if (typeof object['url'] !== 'string' || object['url'] === '') errors['url'] = "'url' is required.";
  if (typeof object['title'] !== 'string' || object['title'] === '') errors['title'] = "'title' is required.";
  if (Object.keys(errors).length > 0) throw fieldErrors(errors);
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    globalId: text(root['globalId']),
    application: isRecord(root['application']) ? root['application'] : undefined,
    relationship: text(root['relationship']),
    object: object as RemoteLinkRecord['object'],
  };
}

/** Remote links (links out of Jira), upserted by `globalId`: 201 when created, 200 when an existing one was replaced. */
export function remoteLinksRouter({ state }: RouteDeps): Router {
  const router = Router();
  const base = '/rest/api/3/issue/:issueIdOrKey/remotelink';
  const noLink = () => new JiraError(404, ['No remote link exists with the given global id.']);

  router.get(base, (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const globalId = queryString(req, 'globalId');
    if (globalId === undefined) {
      res.json(issue.remoteLinks.map((l) => remoteLinkJson(state, issue, l)));
      return;
    }
    // With a globalId Jira answers the one link, not a list.
    const link = issue.remoteLinks.find((l) => l.globalId === globalId);
    if (!link) throw noLink();
    res.json(remoteLinkJson(state, issue, link));
  });

  router.get(`${base}/:linkId`, (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    res.json(remoteLinkJson(state, issue, state.requireRemoteLink(issue, req.params.linkId)));
  });

  router.post(base, (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const { link, created } = upsertRemoteLink(state, issue, readRemoteLink(req.body));
    const { id, self } = remoteLinkJson(state, issue, link);
    res.status(created ? 201 : 200).json({ id, self });
  });

  router.put(`${base}/:linkId`, (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const existing = state.requireRemoteLink(issue, req.params.linkId);
    const input = readRemoteLink(req.body);
    issue.remoteLinks[issue.remoteLinks.indexOf(existing)] = { ...input, id: existing.id };
    res.status(204).end();
  });

  router.delete(base, (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const globalId = queryString(req, 'globalId');
    if (globalId === undefined) throw badRequest("The 'globalId' query parameter is required.");
    const before = issue.remoteLinks.length;
    issue.remoteLinks = issue.remoteLinks.filter((l) => l.globalId !== globalId);
    if (issue.remoteLinks.length === before) throw noLink();
    res.status(204).end();
  });

  router.delete(`${base}/:linkId`, (req, res) => {
    const issue = state.requireIssue(req.params.issueIdOrKey);
    const link = state.requireRemoteLink(issue, req.params.linkId);
    issue.remoteLinks = issue.remoteLinks.filter((l) => l !== link);
    res.status(204).end();
  });

  return router;
}
