import { createFaults } from './faults.ts';
import { readBody, sendJson, serveLocal } from './http.ts';

/**
 * A local Intercom REST API for the real intercom-client (pointed here with `baseUrl`):
 * - `GET /me`; `POST /conversations/search` (`tag_ids IN`, `updated_at >` in an AND query; `per_page`,
 *   `starting_after`; ordered by updated_at, id; `pages.next.starting_after` while more remain);
 * - `GET /contacts/{id}`, `GET /companies/{id}`; `POST /conversations/{id}/reply` (recorded in `replies`);
 *   `GET /conversations/{id}` (with those replies as its parts).
 * Bearer token checked (401 error.list otherwise); `faults` injects 429s (with X-RateLimit-Reset or Retry-After),
 * 5xx and dropped connections. Conversations are raw objects so tests can make them malformed.
 */
export type RawConversation = Record<string, unknown>;

interface Filter {
  field?: string;
  operator?: string;
  value?: unknown;
}

export async function startFakeIntercom({ token, perPage = 2 }: { token: string; perPage?: number }) {
  const conversations: RawConversation[] = [];
  const contacts: Array<Record<string, unknown> & { id: string }> = [];
  const companies: Array<Record<string, unknown> & { id: string }> = [];
  const replies: Array<{
    conversationId: string;
    adminId: unknown;
    type: unknown;
    messageType: unknown;
    body: unknown;
  }> = [];
  const searches: Array<{ query: unknown; pagination: unknown }> = [];
  const faults = createFaults();
  const state = { token, perPage };

  const key = (c: RawConversation) => `${String(c['updated_at']).padStart(12, '0')}|${String(c['id'])}`;

  const server = await serveLocal(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const send = (status: number, payload: unknown) => sendJson(res, status, payload);
    if (req.headers.authorization !== `Bearer ${state.token}`) {
      return send(401, {
        type: 'error.list',
        request_id: 'r1',
        errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }],
      });
    }
    if (faults.apply(req, res)) return;
    const notFound = () =>
      send(404, { type: 'error.list', errors: [{ code: 'not_found', message: 'Resource Not Found' }] });

    if (req.method === 'GET' && url.pathname === '/me') {
      return send(200, {
        type: 'admin',
        id: '991',
        email: 'admin@acme.io',
        app: { type: 'app', id_code: 'abc123' },
      });
    }
    if (req.method === 'POST' && url.pathname === '/conversations/search') {
      const body = JSON.parse(raw) as {
        query?: { operator?: string; value?: Filter[] } & Filter;
        pagination?: { per_page?: number; starting_after?: string };
      };
      searches.push({ query: body.query, pagination: body.pagination });
      const filters: Filter[] =
        body.query?.value && Array.isArray(body.query.value) ? body.query.value : [body.query ?? {}];
      const matching = conversations
        .filter((c) =>
          filters.every((f) => {
            if (f.field === 'tag_ids' && f.operator === 'IN') {
              const ids = ((c['tags'] as { tags?: Array<{ id: string }> } | undefined)?.tags ?? []).map(
                (t) => t.id,
              );
              return (f.value as string[]).some((v) => ids.includes(v));
            }
            if (f.field === 'updated_at' && f.operator === '>')
              return Number(c['updated_at']) > Number(f.value);
            return false;
          }),
        )
        .sort((a, b) => (key(a) < key(b) ? -1 : 1));
      const size = body.pagination?.per_page ?? state.perPage;
      const pageSize = Math.min(size, state.perPage);
      const afterKey = body.pagination?.starting_after
        ? Buffer.from(body.pagination.starting_after, 'base64url').toString('utf8')
        : undefined;
      const rest = afterKey ? matching.filter((c) => key(c) > afterKey) : matching;
      const page = rest.slice(0, pageSize);
      const last = page.at(-1);
      return send(200, {
        type: 'conversation.list',
        conversations: page,
        total_count: matching.length,
        pages: {
          type: 'pages',
          per_page: pageSize,
          total_pages: Math.ceil(matching.length / pageSize),
          ...(rest.length > pageSize && last
            ? { next: { per_page: pageSize, starting_after: Buffer.from(key(last)).toString('base64url') } }
            : {}),
        },
      });
    }
    const contact = /^\/contacts\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && contact) {
      const found = contacts.find((c) => c.id === decodeURIComponent(contact[1] ?? ''));
      return found ? send(200, { type: 'contact', ...found }) : notFound();
    }
    const company = /^\/companies\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && company) {
      const found = companies.find((c) => c.id === decodeURIComponent(company[1] ?? ''));
      return found ? send(200, { type: 'company', ...found }) : notFound();
    }
    // The conversation with its parts (the admin replies in `replies`); `display_as=plaintext` strips the markup.
    const one = /^\/conversations\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && one) {
      const id = decodeURIComponent(one[1] ?? '');
      const conversation = conversations.find((c) => c['id'] === id);
      if (!conversation) return notFound();
      const plain = url.searchParams.get('display_as') === 'plaintext';
      const parts = replies
        .filter((r) => r.conversationId === id)
        .map((r, i) => ({
          type: 'conversation_part',
          id: `${id}-p${i + 1}`,
          part_type: r.messageType,
          body: plain
            ? String(r.body)
                .replace(/<[^>]*>/g, ' ')
                .replace(/&amp;/g, '&')
            : r.body,
          author: { type: 'admin', id: r.adminId },
        }));
      return send(200, {
        type: 'conversation',
        ...conversation,
        conversation_parts: {
          type: 'conversation_part.list',
          conversation_parts: parts,
          total_count: parts.length,
        },
      });
    }
    const reply = /^\/conversations\/([^/]+)\/reply$/.exec(url.pathname);
    if (req.method === 'POST' && reply) {
      const id = decodeURIComponent(reply[1] ?? '');
      const conversation = conversations.find((c) => c['id'] === id);
      if (!conversation) return notFound();
      const b = JSON.parse(raw) as Record<string, unknown>;
      replies.push({
        conversationId: id,
        adminId: b['admin_id'],
        type: b['type'],
        messageType: b['message_type'],
        body: b['body'],
      });
      return send(200, { type: 'conversation', ...conversation });
    }
    notFound();
  });
  return {
    url: server.url,
    conversations,
    contacts,
    companies,
    replies,
    searches,
    faults,
    setToken(value: string) {
      state.token = value;
    },
    close: server.close,
  };
}

export type FakeIntercom = Awaited<ReturnType<typeof startFakeIntercom>>;

/** Conversations of the tests are a day old (the first pull reads 30 days back), a minute apart by number. */
const BASE = Math.floor(Date.now() / 60_000) * 60 - 86_400;
export const intercomTime = (minute: number) => BASE + minute * 60;

export function intercomConversation(n: number, overrides: RawConversation = {}): RawConversation {
  return {
    type: 'conversation',
    id: `c${n}`,
    title: null,
    created_at: intercomTime(n),
    updated_at: intercomTime(n),
    source: {
      type: 'conversation',
      subject: '',
      body: `<p>Could you add export ${n}?</p><p>We need it &amp; soon.</p>`,
      author: { type: 'user', id: `u${n}` },
    },
    contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: `u${n}` }] },
    tags: { type: 'tag.list', tags: [{ type: 'tag', id: 'tag-fr', name: 'feature-request' }] },
    ...overrides,
  };
}
