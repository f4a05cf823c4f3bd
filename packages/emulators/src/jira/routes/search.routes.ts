import { createHash } from 'node:crypto';
import { Router } from 'express';
import { badRequest, JiraError } from '../errors.ts';
import { idsOnly, parseFieldSelection, parsePropertyKeys } from '../field-selection.ts';
import { compareByJql, isBounded, JqlError, jqlValueErrors, matchesJql, parseJql } from '../jql.ts';
import { SANDBOX_USER } from '../seed.ts';
import { searchIssueJson } from '../views.ts';
import { isRecord, type RouteDeps } from './common.ts';

/**
 * `/rest/api/3/search/jql` (GET and POST): token pagination that omits `nextPageToken` on the last page, ids only
 * unless `fields` asks for more. The old `/search` answers 410 with Atlassian's CHANGE-2046 body.
 */

export const SEARCH_REMOVED =
  'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046';

interface SearchParams {
  jql: unknown;
  nextPageToken: unknown;
  maxResults: unknown;
  fields: unknown;
  properties: unknown;
}

const DEFAULT_MAX_RESULTS = 50;

/** A token names the query it belongs to and where the next page starts; nothing else. */
function token(jql: string, offset: number): string {
  const query = createHash('sha256').update(jql).digest('hex').slice(0, 16);
  return Buffer.from(JSON.stringify({ q: query, o: offset })).toString('base64url');
}

function offsetOf(raw: unknown, jql: string): number {
  if (raw === undefined || raw === null || raw === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8')) as {
      q?: unknown;
      o?: unknown;
    };
    const offset = Number(parsed.o);
    if (typeof parsed.o === 'number' && offset >= 0 && token(jql, offset) === String(raw)) return offset;
  } catch {
    // falls through to the 400 below
  }
  throw badRequest('The provided next page token is invalid or expired.');
}

export function searchRouter({ state, email }: RouteDeps): Router {
  const router = Router();

  const search = (params: SearchParams) => {
    const jql = typeof params.jql === 'string' ? params.jql : '';
    let query: ReturnType<typeof parseJql>;
    try {
      query = parseJql(jql, state.now(), SANDBOX_USER.timeZone);
    } catch (err) {
      if (err instanceof JqlError) throw badRequest(err.message);
      throw err;
    }
    if (!isBounded(query)) {
      throw badRequest(
        'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
      );
    }
    const problems = jqlValueErrors(query, state.vocabulary);
    if (problems.length > 0) throw new JiraError(400, problems);

    const fields = parseFieldSelection(params.fields, 'none');
    // Jira returns up to 5000 issues a page when only ids are asked for, fewer with fields.
    const cap = idsOnly(fields) ? 5000 : 100;
    const asked = params.maxResults === undefined ? DEFAULT_MAX_RESULTS : Number(params.maxResults);
    if (!Number.isInteger(asked) || asked < 0) throw badRequest('maxResults must be a positive integer.');
    const pageSize = Math.min(Math.max(asked, 1), cap);
    const offset = offsetOf(params.nextPageToken, jql);

    const compare = compareByJql(query.orderBy);
    const matching = [...state.issues.values()]
      .filter((issue) => state.visible(issue))
      .map((issue) => ({ issue, view: state.jqlView(issue) }))
      .filter(({ view }) => matchesJql(query.where, view))
      .sort((a, b) => compare(a.view, b.view));
    const page = matching.slice(offset, offset + pageSize);
    const isLast = offset + page.length >= matching.length;
    return {
      issues: page.map(({ issue }) =>
        searchIssueJson(state, issue, {
          fields,
          properties: parsePropertyKeys(params.properties, issue.properties.keys()),
          email,
        }),
      ),
      ...(isLast ? {} : { nextPageToken: token(jql, offset + page.length) }),
      isLast,
    };
  };

  router.get('/rest/api/3/search/jql', (req, res) => {
    const q = req.query;
    res.json(
      search({
        jql: q['jql'],
        nextPageToken: q['nextPageToken'],
        maxResults: q['maxResults'],
        fields: q['fields'],
        properties: q['properties'],
      }),
    );
  });

  router.post('/rest/api/3/search/jql', (req, res) => {
    const b = isRecord(req.body) ? req.body : {};
    res.json(
      search({
        jql: b['jql'],
        nextPageToken: b['nextPageToken'],
        maxResults: b['maxResults'],
        fields: b['fields'],
        properties: b['properties'],
      }),
    );
  });

  // CHANGE-2046: https://developer.atlassian.com/changelog/#CHANGE-2046
  router.all(['/rest/api/3/search', '/rest/api/2/search'], (_req, res) => {
    res.status(410).json({ errorMessages: [SEARCH_REMOVED], errors: {} });
  });

  return router;
}
