import express, { type Request, type Response, Router } from 'express';
import { escapeHtml, issueDetailsHtml, page } from '../shared/html.ts';
import { adfToHtml } from './adf-html.ts';
import { JiraError } from './errors.ts';
import { linkIssues } from './link-operations.ts';
import { availableTransitions, createIssue, deleteIssue, transitionIssue } from './operations.ts';
import { ISSUE_TYPES, LINK_TYPES, PROJECTS, statusById } from './seed.ts';
import type { IssueRecord, JiraState } from './state.ts';

/**
 * The page at `/`: where someone trying the sandbox plays product owner. Every form posts to `/_emulator/ui/…` and
 * runs the same operation the REST API runs, so moving an issue here fires the same signed `jira:issue_updated`.
 */

const DUPLICATE = LINK_TYPES.find((t) => t.name === 'Duplicate');

function linksText(state: JiraState, issue: IssueRecord): string {
  const lines = state.linksOf(issue).flatMap((link) => {
    const type = LINK_TYPES.find((t) => t.id === link.typeId);
    const source = link.inwardIssueId === issue.id;
    const other = state.issues.get(source ? link.outwardIssueId : link.inwardIssueId);
    if (!type || !other) return [];
    return [`${source ? type.outward : type.inward} ${other.key}`];
  });
  return lines.length > 0 ? lines.map(escapeHtml).join('<br>') : '<span class="muted">none</span>';
}

/** The description as the issue's readers see it, then its web links (remote links) as links. */
function issueDetails(issue: IssueRecord): string {
  return issueDetailsHtml(
    adfToHtml(issue.description),
    'Web links',
    issue.remoteLinks.map((l) => l.object),
  );
}

function issueRow(state: JiraState, issue: IssueRecord, all: IssueRecord[]): string {
  const key = escapeHtml(issue.key);
  const action = (what: string) => `/_emulator/ui/issues/${encodeURIComponent(issue.key)}/${what}`;
  const moves = availableTransitions(state, issue)
    .map((t) => `<option value="${escapeHtml(t.id)}">${escapeHtml(statusById(t.toStatusId).name)}</option>`)
    .join('');
  const others = all.filter((o) => o.id !== issue.id);
  const duplicateForm =
    others.length === 0
      ? ''
      : `<form method="post" action="${action('duplicate')}">
  <label for="dup-${key}">${key} duplicates</label>
  <select id="dup-${key}" name="of">${others
    .map((o) => `<option value="${escapeHtml(o.key)}">${escapeHtml(`${o.key}: ${o.summary}`)}</option>`)
    .join('')}</select>
  <button type="submit">Mark ${key} as duplicate</button>
</form>`;
  return `<tr id="issue-${key}" data-key="${key}">
<th scope="row">${key}</th>
<td>${escapeHtml(issue.summary)}${issueDetails(issue)}</td>
<td class="status">${escapeHtml(statusById(issue.statusId).name)}</td>
<td>${issue.labels.map(escapeHtml).join(', ') || '<span class="muted">none</span>'}</td>
<td>${linksText(state, issue)}</td>
<td>
<form method="post" action="${action('transition')}">
  <label for="move-${key}">Move ${key} to</label>
  <select id="move-${key}" name="transitionId">${moves}</select>
  <button type="submit">Move ${key}</button>
</form>
${duplicateForm}
<form method="post" action="${action('delete')}">
  <button type="submit">Delete ${key}</button>
</form>
</td>
</tr>`;
}

export function renderPage(state: JiraState, flash: string | undefined): string {
  const issues = [...state.issues.values()].sort((a, b) => Number(a.id) - Number(b.id));
  const project = PROJECTS[0];
  const rows = issues.map((issue) => issueRow(state, issue, issues)).join('\n');
  return page(
    'Jira emulator',
    `<h1>Jira emulator: ${escapeHtml(project?.name)} (${escapeHtml(project?.key)})</h1>
<p class="muted">REST API at <code>${escapeHtml(state.baseUrl)}/rest/api/3</code>. State, calls, faults and webhook
deliveries under <code>/_emulator/</code>.</p>
${flash ? `<p class="flash" role="status">${escapeHtml(flash)}</p>` : ''}
<h2>Create an issue</h2>
<form method="post" action="/_emulator/ui/issues">
  <label for="new-summary">Summary</label>
  <input id="new-summary" name="summary" required>
  <label for="new-type">Type</label>
  <select id="new-type" name="issuetype">${ISSUE_TYPES.map((t) => `<option>${escapeHtml(t.name)}</option>`).join('')}</select>
  <label for="new-labels">Labels</label>
  <input id="new-labels" name="labels" placeholder="space separated">
  <button type="submit">Create issue</button>
</form>
<h2>Issues</h2>
${
  issues.length === 0
    ? '<p>No issues yet.</p>'
    : `<table>
<thead><tr><th scope="col">Key</th><th scope="col">Summary</th><th scope="col">Status</th><th scope="col">Labels</th><th scope="col">Links</th><th scope="col">Actions</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
}`,
  );
}

export function pageRouter(state: JiraState): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '100kb' });
  const field = (req: Request, name: string) => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value.trim() : '';
  };
  /** Runs one gesture and goes back to the page with what happened (or what went wrong). */
  const gesture = (run: (req: Request) => string) => (req: Request, res: Response) => {
    let message: string;
    try {
      message = run(req);
    } catch (err) {
      if (!(err instanceof JiraError)) throw err;
      message = `Could not do that: ${[...err.errorMessages, ...Object.values(err.errors)].join(' ')}`;
    }
    res.redirect(303, `/?flash=${encodeURIComponent(message)}`);
  };
  const issueOf = (req: Request) => state.requireIssue(String(req.params['key']));

  router.get('/', (req, res) => {
    const flash = typeof req.query['flash'] === 'string' ? req.query['flash'] : undefined;
    res.type('html').send(renderPage(state, flash));
  });

  // An issue's address on a real site (what the service links to): its row on this page.
  router.get('/browse/:key', (req, res) => {
    const key = issueOf(req).key;
    res.redirect(302, `/#issue-${encodeURIComponent(key)}`);
  });

  router.post(
    '/_emulator/ui/issues',
    form,
    gesture((req) => {
      const project = PROJECTS[0];
      const issueType = state.findIssueType({ name: field(req, 'issuetype') || 'Task' });
      const summary = field(req, 'summary');
      if (!project || !issueType || summary === '') throw new JiraError(400, ['A summary is required.']);
      const labels = field(req, 'labels')
        .split(/[\s,]+/)
        .filter(Boolean);
      const issue = createIssue(state, {
        project,
        issueType,
        summary,
        description: null,
        labels,
        custom: {},
        properties: [],
      });
      return `Created ${issue.key}.`;
    }),
  );

  router.post(
    '/_emulator/ui/issues/:key/transition',
    form,
    gesture((req) => {
      const issue = issueOf(req);
      transitionIssue(state, issue, field(req, 'transitionId'));
      return `Moved ${issue.key} to ${statusById(issue.statusId).name}.`;
    }),
  );

  router.post(
    '/_emulator/ui/issues/:key/duplicate',
    form,
    gesture((req) => {
      const issue = issueOf(req);
      const original = state.requireIssue(field(req, 'of'));
      if (!DUPLICATE) throw new JiraError(500, ['No Duplicate link type.']);
      // The product owner's gesture: this issue "duplicates" the other (inward = source, see linkIssues).
      linkIssues(state, DUPLICATE, issue, original);
      return `${issue.key} now duplicates ${original.key}.`;
    }),
  );

  router.post(
    '/_emulator/ui/issues/:key/delete',
    form,
    gesture((req) => {
      const issue = issueOf(req);
      deleteIssue(state, issue);
      return `Deleted ${issue.key}.`;
    }),
  );

  return router;
}
