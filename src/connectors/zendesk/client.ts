import { classifyZendeskFetchError, classifyZendeskResponse } from './errors.ts';
import { zendeskSpec } from './spec.ts';

export interface ZendeskTicket {
  id: number;
  url?: string;
  subject: string | null;
  description: string | null;
  status: string;
  tags: string[];
  ticket_form_id: number | null;
  requester_id: number | null;
  organization_id: number | null;
  created_at: string;
  updated_at: string;
}
export interface ZendeskUser {
  id: number;
  name: string | null;
  email: string | null;
  organization_id?: number | null;
}
export interface ZendeskOrganization {
  id: number;
  name: string;
  domain_names?: string[];
}

/** The parts of a ticket comment a reply looks at to tell whether it was already posted. */
interface ZendeskComment {
  id: number;
  body?: string | null;
  html_body?: string | null;
  plain_body?: string | null;
  public?: boolean;
}

/** One page of the cursor-based incremental ticket export, with the sideloaded users and organizations. */
interface ZendeskExportPage {
  tickets: unknown[];
  users: unknown[];
  organizations: unknown[];
  after_cursor: string | null;
  end_of_stream: boolean;
}

interface ZendeskClientOptions {
  baseUrl: string;
  email: string;
  token: string;
  /** Waits for the source's rate limit before each call. */
  throttle?: (() => Promise<void>) | undefined;
  timeoutMs?: number;
}

/**
 * The few Zendesk Support API calls intake needs, over fetch. API token auth is basic `{email}/token:{token}`
 * (https://developer.zendesk.com/api-reference/introduction/security-and-auth/#api-token). Every failure is a
 * ConnectorError (errors.ts).
 */
export function createZendeskClient({
  baseUrl,
  email,
  token,
  throttle,
  timeoutMs = zendeskSpec.timeoutMs,
}: ZendeskClientOptions) {
  const authorization = `Basic ${Buffer.from(`${email}/token:${token}`).toString('base64')}`;
  const root = baseUrl.replace(/\/+$/, '');

  const connection: ZendeskConnection = { root, authorization, throttle, timeoutMs };
  const call = <T>(method: 'GET' | 'PUT', path: string, body?: unknown) =>
    zendeskCall<T>(connection, method, path, body);

  return {
    baseUrl: root,
    /** The agent the token belongs to; Zendesk answers an anonymous user (id null) to bad credentials here. */
    me: () => call<{ user: { id: number | null; email?: string | null } }>('GET', '/api/v2/users/me.json'),

    /**
     * https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-ticket-export-cursor-based
     * `start_time` on the first call, `cursor` (the previous page's after_cursor) after that.
     */
    exportTickets(from: { startTime: number } | { cursor: string }): Promise<ZendeskExportPage> {
      const query = new URLSearchParams(
        'cursor' in from ? { cursor: from.cursor } : { start_time: String(from.startTime) },
      );
      query.set('include', 'users,organizations');
      return call<Partial<ZendeskExportPage>>('GET', `/api/v2/incremental/tickets/cursor.json?${query}`).then(
        (p) => ({
          tickets: Array.isArray(p.tickets) ? p.tickets : [],
          users: Array.isArray(p.users) ? p.users : [],
          organizations: Array.isArray(p.organizations) ? p.organizations : [],
          after_cursor: typeof p.after_cursor === 'string' ? p.after_cursor : null,
          end_of_stream: p.end_of_stream !== false,
        }),
      );
    },

    /**
     * A public comment on the ticket (https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket),
     * as `html_body`: `body` is read as Markdown (a title like `[Docs](https://evil)` would become a link), while
     * escaped HTML is shown as written (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/).
     */
    async addPublicComment(ticketId: number, html: string): Promise<void> {
      await call('PUT', `/api/v2/tickets/${ticketId}.json`, {
        ticket: { comment: { html_body: html, public: true } },
      });
    },

    /**
     * The ticket's newest comments, up to `maxPages` pages, newest first (cursor pagination,
     * https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/#list-comments).
     */
    async recentComments(
      ticketId: number,
      maxPages: number = zendeskSpec.pageSize.commentPages,
    ): Promise<ZendeskComment[]> {
      const comments: ZendeskComment[] = [];
      let after: string | undefined;
      for (let page = 0; page < maxPages; page++) {
        const query = new URLSearchParams({
          sort_order: 'desc',
          'page[size]': String(zendeskSpec.pageSize.comments),
        });
        if (after) query.set('page[after]', after);
        const res = await call<{
          comments?: ZendeskComment[];
          meta?: { has_more?: boolean; after_cursor?: string | null };
        }>('GET', `/api/v2/tickets/${ticketId}/comments.json?${query}`);
        comments.push(...(Array.isArray(res.comments) ? res.comments : []));
        after = res.meta?.has_more && res.meta.after_cursor ? res.meta.after_cursor : undefined;
        if (!after) break;
      }
      return comments;
    },
  };
}

interface ZendeskConnection {
  root: string;
  authorization: string;
  throttle?: (() => Promise<void>) | undefined;
  timeoutMs: number;
}

/** One API call; every failure (no answer, not JSON, not a success) comes out as a ConnectorError. */
async function zendeskCall<T>(
  { root, authorization, throttle, timeoutMs }: ZendeskConnection,
  method: 'GET' | 'PUT',
  path: string,
  body?: unknown,
): Promise<T> {
  await throttle?.();
  let res: Response;
  try {
    res = await fetch(`${root}${path}`, {
      method,
      headers: {
        authorization,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw classifyZendeskFetchError(err);
  }
  let parsed: unknown;
  try {
    const text = await res.text();
    parsed = text ? JSON.parse(text) : {};
  } catch (err) {
    if (!res.ok) throw classifyZendeskResponse(res.status, res.headers.get('retry-after'), undefined);
    throw classifyZendeskFetchError(err);
  }
  if (!res.ok) throw classifyZendeskResponse(res.status, res.headers.get('retry-after'), parsed);
  return parsed as T;
}
