import { IntercomClient } from 'intercom-client';
import { classifyIntercomError } from './errors.ts';
import { intercomSpec } from './spec.ts';

/** The fields of Intercom's conversation, contact and company objects intake reads. */
export interface IntercomConversation {
  id: string;
  title?: string | null;
  created_at: number;
  updated_at: number;
  source?: {
    body?: string | null;
    subject?: string | null;
    url?: string | null;
    author?: { id?: string; type?: string };
  };
  contacts?: { contacts?: Array<{ id: string; type?: string }> };
  tags?: { tags?: Array<{ id: string; name?: string }> };
}
export interface IntercomContact {
  id: string;
  email?: string | null;
  name?: string | null;
  external_id?: string | null;
  companies?: { data?: Array<{ id: string }> };
}
export interface IntercomCompany {
  id: string;
  name?: string | null;
  website?: string | null;
  monthly_spend?: number | null;
  custom_attributes?: Record<string, unknown>;
}

interface IntercomSearchPage {
  conversations: unknown[];
  /** `pages.next.starting_after`: the next page of the same query. */
  next: string | undefined;
}

/**
 * The official intercom-client over Intercom's REST API (or `baseUrl`: a regional host, or a test fake). Its own
 * retries are off: one place (the source-pull job) decides what a 429 or a 5xx means. Every failure is a
 * ConnectorError (errors.ts).
 */
export function createIntercomClient({
  token,
  baseUrl,
  throttle,
}: {
  token: string;
  baseUrl?: string | undefined;
  throttle?: (() => Promise<void>) | undefined;
}) {
  const client = new IntercomClient({ token, maxRetries: 0, ...(baseUrl ? { baseUrl } : {}) });
  const call: Call = async (fn) => {
    await throttle?.();
    try {
      return await fn();
    } catch (err) {
      throw classifyIntercomError(err);
    }
  };

  return {
    /** The admin the token belongs to (GET /me). */
    identify: () => call(() => client.admins.identify()),

    /**
     * Conversations carrying `tagId` updated at or after `since` (unix seconds), one page
     * (https://developers.intercom.com/docs/references/rest-api/api.intercom.io/conversations/searchconversations).
     */
    searchTagged: (tagId: string, since: number, startingAfter: string | undefined) =>
      searchTagged(client, call, { tagId, since, startingAfter }),

    findContact: (id: string) =>
      call(() => client.contacts.find({ contact_id: id })) as Promise<unknown> as Promise<IntercomContact>,
    findCompany: (id: string) =>
      call(() => client.companies.find({ company_id: id })) as Promise<unknown> as Promise<IntercomCompany>,

    /**
     * An admin reply in the conversation, visible to the customer. `html` is HTML: Intercom renders a reply body as
     * markup (https://developers.intercom.com/docs/references/rest-api/api.intercom.io/conversations/replyconversation).
     */
    async reply(conversationId: string, adminId: string, html: string): Promise<void> {
      await call(() =>
        client.conversations.reply({
          conversation_id: conversationId,
          body: { message_type: 'comment', type: 'admin', admin_id: adminId, body: html },
        }),
      );
    },

    /**
     * The text of the conversation's parts (its 500 most recent, as Intercom returns them), as plain text
     * (https://developers.intercom.com/docs/references/rest-api/api.intercom.io/conversations/retrieveconversation).
     */
    async partTexts(conversationId: string): Promise<string[]> {
      const conversation = await call(() =>
        client.conversations.find({ conversation_id: conversationId, display_as: 'plaintext' }),
      );
      const parts = conversation.conversation_parts?.conversation_parts ?? [];
      return parts.map((p) => p.body ?? '');
    },
  };
}

export type IntercomApi = ReturnType<typeof createIntercomClient>;

/** Runs one SDK call under the source's budget; a failure comes out as a ConnectorError. */
type Call = <T>(fn: () => Promise<T>) => Promise<T>;

async function searchTagged(
  client: IntercomClient,
  call: Call,
  { tagId, since, startingAfter }: { tagId: string; since: number; startingAfter: string | undefined },
): Promise<IntercomSearchPage> {
  const page = await call(() =>
    client.conversations.search({
      query: {
        operator: 'AND',
        value: [
          { field: 'tag_ids', operator: 'IN', value: [tagId] },
          { field: 'updated_at', operator: '>', value: since },
        ],
      },
      pagination: {
        per_page: intercomSpec.pageSize.conversations,
        ...(startingAfter ? { starting_after: startingAfter } : {}),
      },
    }),
  );
  const response = page.response as {
    conversations?: unknown[];
    pages?: { next?: { starting_after?: string | null } };
  };
  const next = response.pages?.next?.starting_after;
  return {
    conversations: Array.isArray(response.conversations) ? response.conversations : [],
    next: typeof next === 'string' && next !== '' ? next : undefined,
  };
}
