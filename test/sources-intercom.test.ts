import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError, WebhookSignatureError } from '../src/connectors/errors.ts';
import { plainToHtml, renderSourceReply } from '../src/rules/notify/source-reply.ts';
import {
  type FakeIntercom,
  intercomConversation,
  intercomTime,
  startFakeIntercom,
} from './fakes/intercom.ts';
import { type IntakeHarness, replyThreadOf, startIntakeHarness } from './helpers/intake.ts';

const TOKEN = 'ic-token-123';
const HOOK_SECRET = 'ic-client-secret';

/** A notification as Intercom signs it: `X-Hub-Signature: sha1=<HMAC-SHA1 of the raw body with the app's secret>`. */
function notification(item: unknown, secret = HOOK_SECRET) {
  const body = Buffer.from(
    JSON.stringify({ type: 'notification_event', topic: 'conversation.admin.tagged', data: { item } }),
  );
  const signature = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
  return { headers: { 'content-type': 'application/json', 'x-hub-signature': signature }, body };
}

const intercomSource = (id: string, url: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'intercom',
  baseUrl: url,
  tokenEnv: 'IC_TOKEN',
  tagId: 'tag-fr',
  adminId: '991',
  revenueAttribute: 'arr',
  lagWindowSeconds: 600,
  ...extra,
});

function seed(fake: FakeIntercom, ns: number[]) {
  fake.companies.push({ id: 'co1', name: 'Initech', website: 'https://www.initech.com', monthly_spend: 500 });
  fake.companies.push({
    id: 'co2',
    name: 'Hooli',
    website: 'hooli.xyz',
    monthly_spend: 100,
    custom_attributes: { arr: 250000 },
  });
  for (const n of ns) {
    fake.contacts.push({
      id: `u${n}`,
      email: `person${n}@example.org`,
      name: `Person ${n}`,
      companies: { type: 'list', data: [{ type: 'company', id: n % 2 ? 'co1' : 'co2' }] },
    });
    fake.conversations.push(intercomConversation(n));
  }
}

describe('Intercom intake source', () => {
  let fake: FakeIntercom;
  let intake: IntakeHarness;

  beforeEach(async () => {
    fake = await startFakeIntercom({ token: TOKEN, perPage: 2 });
    intake = await startIntakeHarness([intercomSource('ic', fake.url, { webhookSecretEnv: 'IC_HOOK' })], {
      IC_TOKEN: TOKEN,
      IC_HOOK: HOOK_SECRET,
    });
  }, 60_000);
  afterEach(async () => {
    await intake?.close();
    await fake?.close();
  });

  it('pages through the tagged conversations with the real client, with contact and company revenue', async () => {
    seed(fake, [1, 2, 3, 4, 5]);
    fake.conversations.push(intercomConversation(6, { tags: { type: 'tag.list', tags: [{ id: 'other' }] } }));

    expect(await intake.pull('ic')).toEqual({ pulled: 5, pages: 3 });
    const rows = await intake.requestsOf('ic');
    expect(rows.map((r) => r.sourceRef)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(rows[0]).toMatchObject({
      source: 'ic',
      title: 'Could you add export 1?',
      body: 'Could you add export 1?\nWe need it & soon.',
      url: 'https://app.intercom.com/a/inbox/abc123/inbox/conversations/c1',
      sourceThread: { conversationId: 'c1' },
      tags: ['feature-request'],
    });
    // monthly_spend × 12 when the revenue attribute is absent; the custom attribute when present.
    expect(rows[0]?.submittedRequester).toEqual({
      email: 'person1@example.org',
      name: 'Person 1',
      externalId: 'intercom:u1',
      company: { name: 'Initech', domain: 'initech.com', revenue: 6000 },
    });
    expect(rows[1]?.submittedRequester.company).toEqual({
      name: 'Hooli',
      domain: 'hooli.xyz',
      revenue: 250000,
    });
    expect(rows[0]?.receivedAt.getTime()).toBe(intercomTime(1) * 1000);
    // Search by tag and update time, then by starting_after.
    expect(fake.searches[0]?.query).toEqual({
      operator: 'AND',
      value: [
        { field: 'tag_ids', operator: 'IN', value: ['tag-fr'] },
        { field: 'updated_at', operator: '>', value: expect.any(Number) },
      ],
    });
    expect(fake.searches).toHaveLength(3);
    expect(fake.searches[1]?.pagination).toMatchObject({ starting_after: expect.any(String) });
    expect((await intake.triageJobs()).length).toBe(5);
    expect(JSON.parse((await intake.store.intake.get('ic'))?.cursor ?? '{}')).toEqual({
      since: intercomTime(5),
    });
  });

  it('resumes after a crash mid-pull at the stored starting_after, without duplicates', async () => {
    seed(fake, [1, 2, 3, 4, 5, 6, 7]);
    fake.faults.arm('/conversations/search', { dropConnection: true }, { skip: 2 });

    await expect(intake.pull('ic')).rejects.toThrow(/unreachable|Intercom/);
    expect((await intake.requestsOf('ic')).map((r) => r.sourceRef)).toEqual(['c1', 'c2', 'c3', 'c4']);
    const cursor = JSON.parse((await intake.store.intake.get('ic'))?.cursor ?? '{}') as { after?: string };
    expect(cursor.after).toBeTruthy();

    fake.searches.length = 0;
    expect(await intake.pull('ic')).toEqual({ pulled: 3, pages: 2 });
    expect(fake.searches[0]?.pagination).toMatchObject({ starting_after: cursor.after });
    expect((await intake.requestsOf('ic')).map((r) => r.sourceRef)).toEqual([
      'c1',
      'c2',
      'c3',
      'c4',
      'c5',
      'c6',
      'c7',
    ]);
  });

  it('re-reads the lag window: a conversation tagged late is picked up, overlaps stored once', async () => {
    seed(fake, [1, 2, 3]);
    await intake.pull('ic');
    fake.contacts.push({ id: 'u40', email: 'late@example.org', name: 'Late' });
    fake.conversations.push(
      intercomConversation(40, { updated_at: intercomTime(2), created_at: intercomTime(2) }),
    );

    fake.searches.length = 0;
    expect(await intake.pull('ic')).toEqual({ pulled: 1, pages: 2 });
    const query = fake.searches[0]?.query as { value: Array<{ field: string; value: unknown }> };
    expect(query.value.find((f) => f.field === 'updated_at')?.value).toBe(intercomTime(3) - 600);
    expect((await intake.requestsOf('ic')).map((r) => r.sourceRef)).toEqual(['c1', 'c2', 'c3', 'c40']);
    const replayed = (await intake.metrics.sourceItems.get()).values.find(
      (v) => v.labels.source === 'ic' && v.labels.outcome === 'replayed',
    );
    expect(replayed?.value).toBe(3);
  });

  it('waits out a 429 and completes the pull', async () => {
    seed(fake, [1, 2, 3]);
    fake.faults.arm(
      '/conversations/search',
      {
        status: 429,
        retryAfterSeconds: 1,
        body: { type: 'error.list', errors: [{ code: 'rate_limit_exceeded' }] },
      },
      { skip: 1 },
    );

    expect(await intake.pull('ic')).toEqual({ pulled: 3, pages: 2 });
    expect(await intake.store.intake.get('ic')).toMatchObject({ healthy: true, consecutiveFailures: 0 });
    // The refused search is not answered (so not recorded); page 2 was asked again after the wait.
    expect(fake.searches).toHaveLength(2);
    expect(intake.logs.some((l) => l.includes('source rate limited; waiting'))).toBe(true);
    const limited = (await intake.metrics.sourcePullFailures.get()).values.find(
      (v) => v.labels.source === 'ic' && v.labels.kind === 'rate_limited',
    );
    expect(limited?.value).toBe(1);
  });

  it('rejects malformed conversations with a logged reason and keeps the rest', async () => {
    seed(fake, [1, 2]);
    fake.conversations.push(intercomConversation(3)); // contact u3 does not exist
    fake.contacts.push({ id: 'u4', email: 'quiet@example.org' });
    fake.conversations.push(
      intercomConversation(4, { source: { body: '', subject: '', author: { type: 'user', id: 'u4' } } }),
    );
    fake.conversations.push({ ...intercomConversation(5), created_at: 'yesterday' });

    expect(await intake.pull('ic')).toEqual({ pulled: 2, pages: 3 });
    expect((await intake.requestsOf('ic')).map((r) => r.sourceRef)).toEqual(['c1', 'c2']);
    const rejected = intake.logs.filter((l) => l.includes('source item rejected')).map((l) => JSON.parse(l));
    expect(rejected.map((r) => [r.ref, r.reason])).toEqual([
      ['c3', 'contact u3 has no email address'],
      ['c4', 'conversation has no title, subject or first message'],
      ['c5', 'conversation created_at / updated_at are not unix times'],
    ]);
  });

  it('marks the source unhealthy on a refused token; healthy again after a good pull', async () => {
    seed(fake, [1]);
    fake.setToken('rotated');
    await expect(intake.pull('ic')).rejects.toThrow(/refused the credentials/);
    expect(await intake.store.intake.get('ic')).toMatchObject({
      healthy: false,
      lastError: expect.stringContaining('unauthorized'),
    });
    await expect(intake.sources.get('ic')?.check()).rejects.toMatchObject({ kind: 'auth' });
    fake.setToken(TOKEN);
    await intake.sources.get('ic')?.check();
    expect(await intake.pull('ic')).toEqual({ pulled: 1, pages: 1 });
    expect(await intake.store.intake.get('ic')).toMatchObject({ healthy: true, consecutiveFailures: 0 });
  });

  it('a signed webhook becomes a request; a bad signature and a refused API token are told apart', async () => {
    seed(fake, [7]);
    const source = intake.sources.get('ic');
    const conversation = fake.conversations.find((c) => c['id'] === 'c7');
    const signed = notification(conversation);
    const result = await source?.parseWebhook?.(signed.headers, signed.body);
    expect(result).toMatchObject({
      kind: 'items',
      items: [{ ref: 'c7', requester: { email: 'person7@example.org' } }],
    });
    if (result?.kind !== 'items') throw new Error('items expected');
    await intake.write('ic', result, undefined);
    expect((await intake.requestsOf('ic')).map((r) => r.sourceRef)).toEqual(['c7']);

    // Not Intercom: the route answers 401 and stores nothing.
    const forged = notification(conversation, 'someone-else');
    await expect(source?.parseWebhook?.(forged.headers, forged.body)).rejects.toBeInstanceOf(
      WebhookSignatureError,
    );
    await expect(source?.parseWebhook?.({ 'content-type': 'application/json' }, signed.body)).rejects.toThrow(
      /missing X-Hub-Signature/,
    );

    // Intercom, but our API token is refused while reading the contact: not the sender's fault (503, redelivered).
    fake.setToken('rotated');
    const refused = await source?.parseWebhook?.(signed.headers, signed.body).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConnectorError);
    expect(refused).toMatchObject({ kind: 'auth' });
  });

  it('replies as the configured admin in the conversation, as escaped HTML, once per message', async () => {
    seed(fake, [1, 2]);
    await intake.pull('ic');
    const [, second] = await intake.requestsOf('ic');
    const thread = replyThreadOf(second);
    const text = renderSourceReply({
      productName: 'Acme',
      feature: { title: 'Export 2 <img src=x onerror="alert(1)">' },
      status: 'shipped',
      messageId: '<m-2@suggested.example>',
    });
    const reply = intake.sources.get('ic')?.reply;
    await reply?.(thread, { text, messageId: '<m-2@suggested.example>' });
    expect(fake.replies).toEqual([
      {
        conversationId: 'c2',
        adminId: '991',
        type: 'admin',
        messageType: 'comment',
        body: plainToHtml(text),
      },
    ]);
    expect(fake.replies[0]?.body).toContain('Export 2 &lt;img src=x onerror=&quot;alert(1)&quot;&gt;');

    // The send retried after a crash (the reply was made, `sent` was not recorded) finds it: still one reply.
    await reply?.(thread, { text, messageId: '<m-2@suggested.example>' });
    expect(fake.replies).toHaveLength(1);
    // Another notification does post; text without a reference gets one, so it is once-only too.
    await reply?.(thread, { text: 'Export 2: more news.', messageId: '<m-3@suggested.example>' });
    await reply?.(thread, { text: 'Export 2: more news.', messageId: '<m-3@suggested.example>' });
    expect(fake.replies.map((r) => r.body)).toEqual([
      plainToHtml(text),
      '<p>Export 2: more news.</p><p>Ref: m-3</p>',
    ]);
  });
});
