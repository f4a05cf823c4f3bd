import { Router } from 'express';
import { badRequest, JiraError } from '../errors.ts';
import { deleteLink, linkIssues } from '../link-operations.ts';
import { addComment } from '../operations.ts';
import { LINK_TYPES } from '../seed.ts';
import { apiBase, issueLinkJson, linkTypeJson } from '../views.ts';
import { isRecord, type RouteDeps, readAdf, reference } from './common.ts';

/**
 * Issue links and their types. POST answers 201 with no body. `inwardIssue` is the source: Duplicate with inward A
 * and outward B shows as "A duplicates B" (see operations.linkIssues).
 */
export function linksRouter({ state }: RouteDeps): Router {
  const router = Router();

  router.get('/rest/api/3/issueLinkType', (_req, res) => {
    res.json({ issueLinkTypes: LINK_TYPES.map((t) => linkTypeJson(state, t)) });
  });

  router.get('/rest/api/3/issueLinkType/:issueLinkTypeId', (req, res) => {
    const type = state.findLinkType({ id: req.params.issueLinkTypeId });
    if (!type)
      throw new JiraError(404, [`No issue link type with id '${req.params.issueLinkTypeId}' found.`]);
    res.json(linkTypeJson(state, type));
  });

  router.post('/rest/api/3/issueLink', (req, res) => {
    const body = isRecord(req.body) ? req.body : {};
    const typeRef = reference(body['type']);
    if (!typeRef) throw badRequest('Issue link type is required.');
    const type = state.findLinkType(typeRef);
    if (!type)
      throw new JiraError(404, [`No issue link type with name '${typeRef.name ?? typeRef.id}' found.`]);
    const inwardRef = reference(body['inwardIssue']);
    const outwardRef = reference(body['outwardIssue']);
    if (!inwardRef || !outwardRef) throw badRequest('Both inwardIssue and outwardIssue are required.');
    const inward = state.requireIssue(inwardRef.key ?? inwardRef.id ?? '');
    const outward = state.requireIssue(outwardRef.key ?? outwardRef.id ?? '');
    const comment = isRecord(body['comment']) ? readAdf('comment', body['comment']['body']) : null;
    const link = linkIssues(state, type, inward, outward);
    if (comment) addComment(state, outward, comment);
    res
      .status(201)
      .location(`${apiBase(state)}/issueLink/${link.id}`)
      .end();
  });

  router.get('/rest/api/3/issueLink/:linkId', (req, res) => {
    res.json(issueLinkJson(state, state.requireLink(req.params.linkId)));
  });

  router.delete('/rest/api/3/issueLink/:linkId', (req, res) => {
    deleteLink(state, state.requireLink(req.params.linkId));
    res.status(204).end();
  });

  return router;
}
