import { annualFromMonthly } from '../../domain/revenue.ts';
import { firstLine } from '../../rules/intake-item.ts';
import type { SubmittedRequester } from '../../store/schema.ts';
import type { IntakeItem } from '../intake-source.ts';
import type { IntercomCompany, IntercomContact, IntercomConversation } from './client.ts';

/** Cursor between pages and pulls: the search's `starting_after` mid-query (with its `query` start), and the newest update. */
export interface IntercomCursor {
  /** Unix seconds of the newest conversation update seen: the next pull searches from here minus the lag window. */
  since: number;
  /** Mid-pull: the `updated_at` bound of the query being paged, and where the next page starts. */
  query?: number | undefined;
  after?: string | undefined;
}

export function parseIntercomCursor(raw: string | null): IntercomCursor | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (typeof v['since'] !== 'number') return undefined;
    const mid = typeof v['query'] === 'number' && typeof v['after'] === 'string';
    return {
      since: v['since'],
      ...(mid ? { query: v['query'] as number, after: v['after'] as string } : {}),
    };
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The parts of a raw search result intake needs, or why it cannot be used. */
export function asConversation(v: unknown): IntercomConversation | string {
  if (!isObject(v) || typeof v['id'] !== 'string' || v['id'] === '') return 'conversation has no id';
  if (typeof v['created_at'] !== 'number' || typeof v['updated_at'] !== 'number') {
    return 'conversation created_at / updated_at are not unix times';
  }
  return v as unknown as IntercomConversation;
}

/** The first contact of the conversation: the customer who wrote in. */
export function requesterContactId(c: IntercomConversation): string | undefined {
  return (
    c.contacts?.contacts?.[0]?.id ?? (c.source?.author?.type === 'user' ? c.source.author.id : undefined)
  );
}

/** Intercom message bodies are HTML: paragraphs and breaks become new lines, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h\d)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Company revenue (annual, as requests carry it): the configured custom attribute when it holds a number, else
 * the standard `monthly_spend` × 12; absent when neither is set.
 */
export function companyRevenue(company: IntercomCompany, attribute: string | undefined): number | undefined {
  const custom = attribute ? company.custom_attributes?.[attribute] : undefined;
  const value = typeof custom === 'string' && custom.trim() !== '' ? Number(custom) : custom;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof company.monthly_spend === 'number' && company.monthly_spend > 0)
    return annualFromMonthly(company.monthly_spend);
  return undefined;
}

function domainOf(website: string | null | undefined): string | undefined {
  if (!website) return undefined;
  try {
    return new URL(/^https?:\/\//i.test(website) ? website : `https://${website}`).hostname.replace(
      /^www\./,
      '',
    );
  } catch {
    return undefined;
  }
}

export function mapConversation(
  conversation: IntercomConversation,
  contact: IntercomContact | undefined,
  company: IntercomCompany | undefined,
  options: { revenueAttribute?: string | undefined; appUrl?: string | undefined },
): IntakeItem | { reason: string } {
  if (!contact?.email) {
    const id = contact?.id ?? requesterContactId(conversation);
    return { reason: id ? `contact ${id} has no email address` : 'conversation has no contact' };
  }
  const body = htmlToText(conversation.source?.body ?? '');
  const title =
    conversation.title?.trim() || htmlToText(conversation.source?.subject ?? '') || firstLine(body);
  if (!title) return { reason: 'conversation has no title, subject or first message' };
  const revenue = company ? companyRevenue(company, options.revenueAttribute) : undefined;
  const domain = domainOf(company?.website);
  const requester: SubmittedRequester = {
    email: contact.email,
    ...(contact.name ? { name: contact.name } : {}),
    externalId: `intercom:${contact.id}`,
    ...(company?.name
      ? {
          company: {
            name: company.name,
            ...(domain ? { domain } : {}),
            ...(revenue === undefined ? {} : { revenue }),
          },
        }
      : {}),
  };
  return {
    ref: conversation.id,
    title,
    body,
    ...(options.appUrl ? { url: `${options.appUrl}/conversations/${conversation.id}` } : {}),
    requester,
    receivedAt: new Date(conversation.created_at * 1000).toISOString(),
    tags: (conversation.tags?.tags ?? [])
      .map((t) => t.name ?? t.id)
      .filter(Boolean)
      .slice(0, 50),
    thread: { conversationId: conversation.id },
  };
}
