import type { Resolved } from '../../config/sources.schema.ts';
import { hasReplyMarker, plainToHtml, withReplyMarker } from '../../rules/notify/source-reply.ts';
import { ConnectorError } from '../errors.ts';
import type {
  IntakeItem,
  IntakeSource,
  PullPage,
  SourceMessage,
  SourceThread,
  WebhookResult,
} from '../intake-source.ts';
import type { SourceDeps } from '../source-registry.ts';
import {
  createIntercomClient,
  type IntercomApi,
  type IntercomCompany,
  type IntercomContact,
  type IntercomConversation,
} from './client.ts';
import type { IntercomSourceConfig } from './config.ts';
import {
  asConversation,
  type IntercomCursor,
  mapConversation,
  parseIntercomCursor,
  requesterContactId,
} from './map.ts';
import { intercomSpec } from './spec.ts';
import { CONVERSATION_TOPICS, parseIntercomNotification, verifyIntercomSignature } from './webhook.ts';

/** How far back the very first pull reads. */
const FIRST_PULL_DAYS = 30;

/**
 * Intercom as an intake source: conversations carrying the configured tag, through the conversations search API
 * (`tag_ids IN [tag]` and `updated_at > since`, paged by `starting_after`). The conversation's first contact is the
 * requester; that contact's first company is the company, with revenue from `revenueAttribute` or `monthly_spend`
 * (map.ts). Reply: an admin reply (`adminId`) in the conversation, once per notification.
 */
interface IntercomSourceContext {
  config: Resolved<IntercomSourceConfig>;
  api: IntercomApi;
  deps: SourceDeps;
  now: () => Date;
  /** The inbox link base, read once from /me: '' when the workspace did not say. */
  appUrl: string | undefined;
}

export function createIntercomSource(
  config: Resolved<IntercomSourceConfig>,
  deps: SourceDeps & { now?: () => Date },
): IntakeSource {
  const token = config.secrets['token'];
  if (!token) throw new ConnectorError('config', 'intercom', `source ${config.id}: tokenEnv is not set`);
  const api = createIntercomClient({ token, baseUrl: config.baseUrl, throttle: deps.throttle });
  const ctx: IntercomSourceContext = {
    config,
    api,
    deps,
    now: deps.now ?? (() => new Date()),
    appUrl: undefined,
  };
  return {
    kind: 'intercom',
    id: config.id,
    async check() {
      const me = await api.identify();
      if (!me)
        throw new ConnectorError('auth', 'intercom', 'Intercom did not say which admin the token belongs to');
    },
    pull: (cursor) => pullTagged(ctx, cursor),
    parseWebhook: (headers, rawBody) => parseWebhook(ctx, headers, rawBody),
    reply: (thread, message) => reply(ctx, thread, message),
  };
}

async function conversationUrlBase(ctx: IntercomSourceContext): Promise<string | undefined> {
  // The inbox link needs the workspace id, which /me tells (app.id_code).
  if (ctx.appUrl === undefined) {
    const me = (await ctx.api.identify()) as { app?: { id_code?: string } } | undefined;
    ctx.appUrl = me?.app?.id_code ? intercomSpec.inboxUrl(me.app.id_code) : '';
  }
  return ctx.appUrl || undefined;
}

/** Maps conversations, looking each contact and company up once per pull or delivery. */
function createLookups(ctx: IntercomSourceContext) {
  const contacts = new Map<string, IntercomContact | undefined>();
  const companies = new Map<string, IntercomCompany | undefined>();
  return async (conversation: IntercomConversation): Promise<IntakeItem | { reason: string }> => {
    const contactId = requesterContactId(conversation);
    if (contactId && !contacts.has(contactId)) {
      contacts.set(contactId, await findOrSkip(() => ctx.api.findContact(contactId)));
    }
    const contact = contactId ? contacts.get(contactId) : undefined;
    const companyId = contact?.companies?.data?.[0]?.id;
    if (companyId && !companies.has(companyId)) {
      companies.set(companyId, await findOrSkip(() => ctx.api.findCompany(companyId)));
    }
    return mapConversation(conversation, contact, companyId ? companies.get(companyId) : undefined, {
      revenueAttribute: ctx.config.revenueAttribute,
      appUrl: await conversationUrlBase(ctx),
    });
  };
}

async function* pullTagged(ctx: IntercomSourceContext, cursor: string | null): AsyncIterable<PullPage> {
  const stored = parseIntercomCursor(cursor);
  const nowSeconds = Math.floor(ctx.now().getTime() / 1000);
  let since = stored?.since ?? nowSeconds - FIRST_PULL_DAYS * 86_400;
  const query = stored?.query ?? Math.max(0, since - (stored ? ctx.config.lagWindowSeconds : 0));
  let after = stored?.query === undefined ? undefined : stored.after;
  const map = createLookups(ctx);
  for (;;) {
    const page = await ctx.api.searchTagged(ctx.config.tagId, query, after);
    const items: PullPage['items'] = [];
    const rejected: PullPage['rejected'] = [];
    for (const raw of page.conversations) {
      const conversation = asConversation(raw);
      if (typeof conversation === 'string') {
        const id = (raw as { id?: unknown } | null)?.id;
        rejected.push({ ref: typeof id === 'string' ? id : undefined, reason: conversation });
        continue;
      }
      since = Math.max(since, conversation.updated_at);
      const mapped = await map(conversation);
      if ('reason' in mapped) rejected.push({ ref: conversation.id, reason: mapped.reason });
      else items.push(mapped);
    }
    const next: IntercomCursor = page.next ? { since, query, after: page.next } : { since };
    yield { items, rejected, cursor: JSON.stringify(next) };
    if (!page.next) return;
    after = page.next;
  }
}

async function parseWebhook(
  ctx: IntercomSourceContext,
  headers: Parameters<typeof verifyIntercomSignature>[0],
  rawBody: Buffer,
): Promise<WebhookResult> {
  verifyIntercomSignature(headers, rawBody, ctx.config.secrets['webhookSecret']);
  const notification = parseIntercomNotification(rawBody);
  if ('invalid' in notification) {
    throw new ConnectorError('invalid_input', 'intercom', `webhook notification: ${notification.invalid}`);
  }
  if (!CONVERSATION_TOPICS.has(notification.topic)) {
    return { kind: 'ignored', reason: `topic ${notification.topic} carries no feature request` };
  }
  const conversation = asConversation(notification.item);
  if (typeof conversation === 'string')
    return { kind: 'items', items: [], rejected: [{ reason: conversation }] };
  const tagged = (conversation.tags?.tags ?? []).some((t) => t.id === ctx.config.tagId);
  if (!tagged) return { kind: 'ignored', reason: 'the conversation does not carry the configured tag' };
  // A refused API token here is ours, not the delivery's: the route answers 503 and Intercom redelivers.
  const mapped = await createLookups(ctx)(conversation);
  return 'reason' in mapped
    ? { kind: 'items', items: [], rejected: [{ ref: conversation.id, reason: mapped.reason }] }
    : { kind: 'items', items: [mapped], rejected: [] };
}

async function reply(
  ctx: IntercomSourceContext,
  thread: SourceThread,
  message: SourceMessage,
): Promise<void> {
  const id = thread.sourceThread?.['conversationId'] ?? thread.sourceRef;
  if (typeof id !== 'string' || id === '') {
    throw new ConnectorError('invalid_input', 'intercom', 'no Intercom conversation id to reply to');
  }
  // Once only: a send retried after a crash finds its earlier reply by the reference the reply ends with.
  const parts = await ctx.api.partTexts(id);
  if (parts.some((text) => hasReplyMarker(text, message.messageId))) {
    ctx.deps.log.info({ sourceId: ctx.config.id, conversationId: id }, 'intercom reply was already posted');
    return;
  }
  await ctx.api.reply(id, ctx.config.adminId, plainToHtml(withReplyMarker(message.text, message.messageId)));
}

/** A contact or company deleted since the conversation: the item is then judged without it. */
async function findOrSkip<T>(find: () => Promise<T>): Promise<T | undefined> {
  try {
    return await find();
  } catch (err) {
    if (err instanceof ConnectorError && err.kind === 'not_found') return undefined;
    throw err;
  }
}
