import { createFaults } from './faults.ts';
import { readBody, sendJson, serveLocal } from './http.ts';

/**
 * A local Zendesk Support API speaking the shapes the intake source reads, for the real fetch client:
 * - `GET /api/v2/incremental/tickets/cursor.json` (`start_time` or `cursor`, `include=users,organizations`):
 *   tickets ordered by (updated_at, id), `pageSize` a page, `after_cursor`, `end_of_stream`, sideloads;
 * - `GET /api/v2/users/me.json`; `PUT /api/v2/tickets/{id}.json` (recorded in `replies`);
 * - `GET /api/v2/tickets/{id}/comments.json` (the description and the comments in `replies`).
 * Basic auth `email/token:TOKEN` is checked (401 otherwise). Tickets are raw objects, so tests can make them
 * malformed; `faults` injects 429s, 5xx and dropped connections.
 */
export interface FakeZendeskOptions {
  email: string;
  token: string;
  pageSize?: number;
}

export type RawTicket = Record<string, unknown>;

export async function startFakeZendesk({ email, token, pageSize = 2 }: FakeZendeskOptions) {
  const tickets: RawTicket[] = [];
  const users: Array<{
    id: number;
    name: string | null;
    email: string | null;
    organization_id?: number | null;
  }> = [];
  const organizations: Array<{ id: number; name: string; domain_names: string[] }> = [];
  /** Comments PUT on tickets; `body` is the html_body when one was sent (`html`). */
  const replies: Array<{ ticketId: number; body: string; public: boolean; html: boolean }> = [];
  const calls: string[] = [];
  const faults = createFaults();
  const state = { pageSize, token };

  const key = (t: RawTicket): [number, number] => [
    Date.parse(String(t['updated_at'])) || 0,
    typeof t['id'] === 'number' ? t['id'] : 0,
  ];
  const after = (a: [number, number], b: [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  const encode = (k: [number, number]) => Buffer.from(JSON.stringify(k)).toString('base64url');
  const decode = (c: string) => JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as [number, number];

  const server = await serveLocal(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    calls.push(`${req.method} ${url.pathname}${url.search}`);
    const body = await readBody(req);
    const send = (status: number, payload: unknown) => sendJson(res, status, payload);
    const expected = `Basic ${Buffer.from(`${email}/token:${state.token}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return send(401, { error: "Couldn't authenticate you" });
    if (faults.apply(req, res)) return;

    if (req.method === 'GET' && url.pathname === '/api/v2/users/me.json') {
      return send(200, { user: { id: 1, email } });
    }
    if (req.method === 'GET' && url.pathname === '/api/v2/incremental/tickets/cursor.json') {
      const cursor = url.searchParams.get('cursor');
      const start = Number(url.searchParams.get('start_time'));
      const from: [number, number] = cursor ? decode(cursor) : [start * 1000, -1];
      const sorted = [...tickets]
        .sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1])
        .filter((t) => (cursor ? after(key(t), from) : key(t)[0] >= from[0]));
      const page = sorted.slice(0, state.pageSize);
      const last = page.at(-1);
      const include = (url.searchParams.get('include') ?? '').split(',');
      const userIds = new Set(page.map((t) => t['requester_id']));
      const pageUsers = users.filter((u) => userIds.has(u.id));
      const orgIds = new Set([
        ...page.map((t) => t['organization_id']),
        ...pageUsers.map((u) => u.organization_id),
      ]);
      return send(200, {
        tickets: page,
        ...(include.includes('users') ? { users: pageUsers } : {}),
        ...(include.includes('organizations')
          ? { organizations: organizations.filter((o) => orgIds.has(o.id)) }
          : {}),
        after_cursor: encode(last ? key(last) : from),
        after_url: null,
        before_cursor: null,
        before_url: null,
        end_of_stream: sorted.length <= state.pageSize,
      });
    }
    const put = /^\/api\/v2\/tickets\/(\d+)\.json$/.exec(url.pathname);
    if (req.method === 'PUT' && put) {
      const id = Number(put[1]);
      const ticket = tickets.find((t) => t['id'] === id);
      if (!ticket) return send(404, { error: 'RecordNotFound', description: 'Not found' });
      const comment = (
        JSON.parse(body) as {
          ticket?: { comment?: { body?: string; html_body?: string; public?: boolean } };
        }
      ).ticket?.comment;
      const text = comment?.html_body ?? comment?.body;
      if (!text) return send(422, { error: 'RecordInvalid', description: 'comment body missing' });
      replies.push({
        ticketId: id,
        body: text,
        public: comment?.public !== false,
        html: comment?.html_body !== undefined,
      });
      return send(200, { ticket });
    }
    // Comments newest first (`sort_order=desc`), cursor-paged by `page[size]` / `page[after]`: the ticket's
    // description, then the comments PUT added, each with body, html_body and plain_body as Zendesk gives them.
    const list = /^\/api\/v2\/tickets\/(\d+)\/comments\.json$/.exec(url.pathname);
    if (req.method === 'GET' && list) {
      const id = Number(list[1]);
      const ticket = tickets.find((t) => t['id'] === id);
      if (!ticket) return send(404, { error: 'RecordNotFound', description: 'Not found' });
      const all = [
        { id: id * 1000, body: String(ticket['description'] ?? ''), public: true },
        ...replies
          .filter((r) => r.ticketId === id)
          .map((r, i) => ({ id: id * 1000 + i + 1, body: r.body, public: r.public })),
      ].map((c) => ({
        ...c,
        html_body: c.body,
        plain_body: c.body
          .replace(/<[^>]*>/g, ' ')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&amp;/g, '&'),
      }));
      if (url.searchParams.get('sort_order') === 'desc') all.reverse();
      const size = Number(url.searchParams.get('page[size]') ?? 100);
      const start = Number(url.searchParams.get('page[after]') ?? 0);
      const page = all.slice(start, start + size);
      const more = start + size < all.length;
      return send(200, {
        comments: page,
        meta: { has_more: more, after_cursor: more ? String(start + size) : null, before_cursor: null },
      });
    }
    send(404, { error: 'InvalidEndpoint', description: 'Not found' });
  });
  return {
    url: server.url,
    tickets,
    users,
    organizations,
    replies,
    calls,
    faults,
    /** Rotates the token the fake accepts (the configured one then fails with 401). */
    setToken(value: string) {
      state.token = value;
    },
    close: server.close,
  };
}

export type FakeZendesk = Awaited<ReturnType<typeof startFakeZendesk>>;

/** Tickets of the tests are a day old (the first pull reads 30 days back), a minute apart by id. */
const BASE_TIME = Math.floor(Date.now() / 60_000) * 60_000 - 86_400_000;
export const zendeskTime = (minute: number) =>
  new Date(BASE_TIME + minute * 60_000).toISOString().replace('.000', '');

/** A ticket as the export returns it. */
export function zendeskTicket(id: number, overrides: RawTicket = {}): RawTicket {
  const at = zendeskTime(id);
  return {
    id,
    subject: `Feature ${id}`,
    description: `Please add feature ${id}.`,
    status: 'open',
    tags: ['feature_request'],
    ticket_form_id: null,
    requester_id: 100 + id,
    organization_id: null,
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}
