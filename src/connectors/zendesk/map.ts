import { firstLine } from '../../rules/intake-item.ts';
import type { IntakeItem, PullPage } from '../intake-source.ts';
import type { ZendeskOrganization, ZendeskTicket, ZendeskUser } from './client.ts';

interface ZendeskFilter {
  tag?: string | undefined;
  formId?: number | undefined;
}

/** Cursor stored between pages and pulls: the export's after_cursor mid-stream, and the newest update seen. */
export interface ZendeskCursor {
  after?: string | undefined;
  /** Unix seconds of the newest ticket update seen; the next pull re-reads from here minus the lag window. */
  since: number;
}

export function parseZendeskCursor(raw: string | null): ZendeskCursor | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const since = typeof v['since'] === 'number' && Number.isFinite(v['since']) ? v['since'] : undefined;
    if (since === undefined) return undefined;
    return { since, ...(typeof v['after'] === 'string' ? { after: v['after'] } : {}) };
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function asTicket(v: unknown): ZendeskTicket | string {
  if (!isObject(v) || typeof v['id'] !== 'number') return 'ticket has no numeric id';
  for (const key of ['created_at', 'updated_at'] as const) {
    if (typeof v[key] !== 'string' || Number.isNaN(Date.parse(v[key] as string)))
      return `ticket ${key} is not a time`;
  }
  return {
    id: v['id'],
    subject: typeof v['subject'] === 'string' ? v['subject'] : null,
    description: typeof v['description'] === 'string' ? v['description'] : null,
    status: typeof v['status'] === 'string' ? v['status'] : 'unknown',
    tags: Array.isArray(v['tags']) ? v['tags'].filter((t): t is string => typeof t === 'string') : [],
    ticket_form_id: typeof v['ticket_form_id'] === 'number' ? v['ticket_form_id'] : null,
    requester_id: typeof v['requester_id'] === 'number' ? v['requester_id'] : null,
    organization_id: typeof v['organization_id'] === 'number' ? v['organization_id'] : null,
    created_at: v['created_at'] as string,
    updated_at: v['updated_at'] as string,
  };
}

/**
 * One export page → items. Tickets outside the filter (tag / form) and deleted ones are skipped silently; a
 * feature-request ticket that cannot become a request (no requester email, no text) is rejected with the reason.
 * The requester and organisation come from the page's sideloads (`include=users,organizations`); the first
 * comment is the ticket's `description`.
 */
export function mapZendeskPage(
  page: { tickets: unknown[]; users: unknown[]; organizations: unknown[] },
  filter: ZendeskFilter,
  baseUrl: string,
): { items: IntakeItem[]; rejected: PullPage['rejected']; newestUpdate: number | undefined } {
  const users = new Map<number, ZendeskUser>();
  for (const u of page.users)
    if (isObject(u) && typeof u['id'] === 'number') users.set(u['id'], u as unknown as ZendeskUser);
  const orgs = new Map<number, ZendeskOrganization>();
  for (const o of page.organizations) {
    if (isObject(o) && typeof o['id'] === 'number') orgs.set(o['id'], o as unknown as ZendeskOrganization);
  }
  const items: IntakeItem[] = [];
  const rejected: PullPage['rejected'] = [];
  let newestUpdate: number | undefined;
  for (const raw of page.tickets) {
    const ticket = asTicket(raw);
    if (typeof ticket === 'string') {
      const id =
        isObject(raw) && (typeof raw['id'] === 'number' || typeof raw['id'] === 'string')
          ? String(raw['id'])
          : undefined;
      rejected.push({ ref: id, reason: ticket });
      continue;
    }
    newestUpdate = Math.max(newestUpdate ?? 0, Math.floor(Date.parse(ticket.updated_at) / 1000));
    const wanted =
      (filter.tag !== undefined && ticket.tags.includes(filter.tag)) ||
      (filter.formId !== undefined && ticket.ticket_form_id === filter.formId);
    if (!wanted || ticket.status === 'deleted') continue;
    const ref = String(ticket.id);
    const user = ticket.requester_id === null ? undefined : users.get(ticket.requester_id);
    if (!user?.email) {
      rejected.push({ ref, reason: `requester ${ticket.requester_id ?? '(none)'} has no email address` });
      continue;
    }
    const description = ticket.description?.trim() ?? '';
    const title = ticket.subject?.trim() || firstLine(description);
    if (!title) {
      rejected.push({ ref, reason: 'ticket has neither a subject nor a description' });
      continue;
    }
    const orgId = ticket.organization_id ?? user.organization_id ?? null;
    const org = orgId === null ? undefined : orgs.get(orgId);
    const domain = org?.domain_names?.[0];
    items.push({
      ref,
      title,
      body: description,
      url: `${baseUrl}/agent/tickets/${ticket.id}`,
      requester: {
        email: user.email,
        ...(user.name ? { name: user.name } : {}),
        externalId: `zendesk:${user.id}`,
        ...(org ? { company: { name: org.name, ...(domain ? { domain } : {}) } } : {}),
      },
      receivedAt: new Date(ticket.created_at).toISOString(),
      tags: ticket.tags.slice(0, 50),
      thread: { ticketId: ticket.id },
    });
  }
  return { items, rejected, newestUpdate };
}
