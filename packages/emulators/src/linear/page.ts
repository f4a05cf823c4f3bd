import express, { type Request, type Response, Router } from 'express';
import { escapeHtml, issueDetailsHtml, page } from '../shared/html.ts';
import type { WebhookDeliverer } from '../shared/webhook-deliverer.ts';
import { createIssue, createRelation, deleteIssue, updateIssue } from './commands/issues.ts';
import { LinearApiError } from './errors.ts';
import { markdownToHtml } from './markdown-html.ts';
import type { IssueRecord } from './model.ts';
import { type LinearState, SEED } from './state.ts';

/**
 * The page at `/` where a person trying the sandbox plays product owner: every issue with its state and demand,
 * and forms to move it, mark it a duplicate, or delete it. The forms run the same commands as the GraphQL
 * mutations, so they fire the same signed webhooks.
 */

/** The description as the issue's readers see it, then its attachments as links. */
function issueDetails(state: LinearState, issue: IssueRecord): string {
  const attachments = [...state.attachments.values()].filter((a) => a.issueId === issue.id);
  return issueDetailsHtml(markdownToHtml(issue.description), 'Attachments', attachments);
}

function issueRow(state: LinearState, issue: IssueRecord, open: readonly IssueRecord[]): string {
  const identifier = state.identifier(issue);
  const current = state.states.get(issue.stateId);
  const needs = [...state.needs.values()].filter((n) => n.issueId === issue.id);
  const customers = new Set(needs.flatMap((n) => (n.customerId ? [n.customerId] : []))).size;
  const id = escapeHtml(issue.id);
  const action = (verb: string) => `/_emulator/ui/issues/${encodeURIComponent(issue.id)}/${verb}`;
  const options = state
    .teamStates(issue.teamId)
    .map(
      (s) =>
        `<option value="${escapeHtml(s.id)}"${s.id === issue.stateId ? ' selected' : ''}>${escapeHtml(s.name)}</option>`,
    )
    .join('');
  const others = open.filter((o) => o.id !== issue.id && o.teamId === issue.teamId);
  const forms = issue.archivedAt
    ? `<span class="muted">${issue.trashed ? 'deleted' : 'archived'}</span>`
    : [
        `<form method="post" action="${action('state')}"><label for="state-${id}">Move ${identifier} to</label>` +
          `<select id="state-${id}" name="stateId">${options}</select><button type="submit">Move</button></form>`,
        others.length === 0
          ? ''
          : `<form method="post" action="${action('duplicate')}"><label for="dup-${id}">Mark ${identifier} duplicate of</label>` +
            `<select id="dup-${id}" name="duplicateOfId">${others
              .map(
                (o) =>
                  `<option value="${escapeHtml(o.id)}">${escapeHtml(`${state.identifier(o)} ${o.title}`)}</option>`,
              )
              .join('')}</select><button type="submit">Mark duplicate</button></form>`,
        `<form method="post" action="${action('delete')}"><button type="submit" aria-label="Delete ${identifier}">Delete</button></form>`,
      ].join('');
  return `<tr id="${escapeHtml(identifier)}">
<th scope="row">${escapeHtml(identifier)}</th>
<td>${escapeHtml(issue.title)}${issueDetails(state, issue)}</td>
<td class="status" data-state-type="${escapeHtml(current?.type)}">${escapeHtml(current?.name)}</td>
<td>${customers} customer${customers === 1 ? '' : 's'}, ${needs.length} request${needs.length === 1 ? '' : 's'}</td>
<td>${forms}</td>
</tr>`;
}

export function renderPage(
  state: LinearState,
  deliverer: WebhookDeliverer,
  flash?: { ok: boolean; text: string },
): string {
  const team = state.findTeam(SEED.teamKey) ?? [...state.teams.values()][0];
  const issues = [...state.issues.values()].sort((a, b) => b.number - a.number);
  const open = issues.filter((i) => !i.archivedAt);
  const stateOptions = team
    ? state
        .teamStates(team.id)
        .map(
          (s) =>
            `<option value="${escapeHtml(s.id)}"${s.id === team.defaultStateId ? ' selected' : ''}>${escapeHtml(s.name)}</option>`,
        )
        .join('')
    : '';
  const rows = issues.map((issue) => issueRow(state, issue, open)).join('\n');
  const hooks = [...state.webhooks.values()]
    .map(
      (w) =>
        `<li><code>${escapeHtml(w.url)}</code> <span class="muted">${escapeHtml(w.resourceTypes.join(', '))}</span></li>`,
    )
    .join('');
  const deliveries = deliverer
    .list()
    .slice(-10)
    .reverse()
    .map(
      (d) =>
        `<li>${escapeHtml(d.event)} → <code>${escapeHtml(d.url)}</code>: ${escapeHtml(d.state)} (${d.attempts.length} attempt${d.attempts.length === 1 ? '' : 's'})</li>`,
    )
    .join('');
  return page(
    'Linear emulator',
    `<h1>Linear emulator: ${escapeHtml(state.organization.name)} workspace, team ${escapeHtml(team?.key)}</h1>
<p class="muted">GraphQL at <code>${escapeHtml(state.baseUrl)}/graphql</code>, API key <code>lin_api_sandbox</code>.
Changes made here fire the same signed webhooks as the API.</p>
${flash ? `<p class="flash" role="status"${flash.ok ? '' : ' style="background:#ffebe9"'}>${flash.ok ? '' : 'Error: '}${escapeHtml(flash.text)}</p>` : ''}
<h2>New issue</h2>
<form method="post" action="/_emulator/ui/issues">
<label for="new-title">Title</label><input id="new-title" name="title" required>
<label for="new-state">State</label><select id="new-state" name="stateId">${stateOptions}</select>
<button type="submit">Create issue</button>
</form>
<h2>Issues</h2>
<table>
<thead><tr><th scope="col">Issue</th><th scope="col">Title</th><th scope="col">State</th><th scope="col">Demand</th><th scope="col">Actions</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="5" class="muted">No issues yet.</td></tr>'}
</tbody>
</table>
<h2>Webhooks</h2>
${hooks ? `<ul>${hooks}</ul>` : '<p class="muted">None registered.</p>'}
${deliveries ? `<h3>Latest deliveries</h3><ul>${deliveries}</ul>` : ''}`,
  );
}

/** GET / and the form posts under /_emulator/ui/, each answered with a redirect back to `/`. */
export function pageRouter(state: LinearState, deliverer: WebhookDeliverer): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const ok = typeof req.query['done'] === 'string' ? req.query['done'] : undefined;
    const error = typeof req.query['error'] === 'string' ? req.query['error'] : undefined;
    const flash = error ? { ok: false, text: error } : ok ? { ok: true, text: ok } : undefined;
    res.type('html').send(renderPage(state, deliverer, flash));
  });
  const ui = Router();
  ui.use(express.urlencoded({ extended: false, limit: '64kb' }));
  const run = (work: (req: Request) => string) => (req: Request, res: Response) => {
    try {
      res.redirect(303, `/?done=${encodeURIComponent(work(req))}`);
    } catch (error) {
      if (!(error instanceof LinearApiError)) throw error;
      res.redirect(
        303,
        `/?error=${encodeURIComponent(error.linear.userPresentableMessage ?? error.message)}`,
      );
    }
  };
  const field = (req: Request, name: string) => {
    const value = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : '';
  };
  const param = (req: Request) => String(req.params['id']);
  ui.post(
    '/issues',
    run((req) => {
      const team = state.findTeam(SEED.teamKey) ?? [...state.teams.values()][0];
      const issue = createIssue(state, {
        teamId: team?.id ?? '',
        title: field(req, 'title'),
        stateId: field(req, 'stateId') || null,
      });
      return `Created ${state.identifier(issue)}`;
    }),
  );
  ui.post(
    '/issues/:id/state',
    run((req) => {
      const issue = updateIssue(state, param(req), { stateId: field(req, 'stateId') });
      return `Moved ${state.identifier(issue)} to ${state.states.get(issue.stateId)?.name ?? ''}`;
    }),
  );
  ui.post(
    '/issues/:id/duplicate',
    run((req) => {
      const relation = createRelation(state, {
        issueId: param(req),
        relatedIssueId: field(req, 'duplicateOfId'),
        type: 'duplicate',
      });
      const [a, b] = [state.issues.get(relation.issueId), state.issues.get(relation.relatedIssueId)];
      return `Marked ${a ? state.identifier(a) : ''} a duplicate of ${b ? state.identifier(b) : ''}`;
    }),
  );
  ui.post(
    '/issues/:id/delete',
    run((req) => `Deleted ${state.identifier(deleteIssue(state, param(req)))}`),
  );
  router.use('/_emulator/ui', ui);
  return router;
}
