import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plainToHtml, renderSourceReply } from '../src/rules/notify/source-reply.ts';
import { type FakeZendesk, startFakeZendesk, zendeskTicket, zendeskTime } from './fakes/zendesk.ts';
import { type IntakeHarness, replyThreadOf, startIntakeHarness } from './helpers/intake.ts';

const EMAIL = 'agent@acme.io';
const TOKEN = 'zd-token-123';

const zendeskSource = (id: string, url: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'zendesk',
  baseUrl: url,
  email: EMAIL,
  tokenEnv: 'ZD_TOKEN',
  tag: 'feature_request',
  lagWindowSeconds: 600,
  ...extra,
});

function seed(fake: FakeZendesk, ids: number[]) {
  fake.organizations.push({ id: 900, name: 'Globex', domain_names: ['globex.com'] });
  for (const id of ids) {
    fake.users.push({
      id: 100 + id,
      name: `User ${id}`,
      email: `user${id}@globex.com`,
      organization_id: 900,
    });
    fake.tickets.push(zendeskTicket(id, { organization_id: 900 }));
  }
}

describe('Zendesk intake source', () => {
  let fake: FakeZendesk;
  let intake: IntakeHarness;

  beforeEach(async () => {
    fake = await startFakeZendesk({ email: EMAIL, token: TOKEN, pageSize: 2 });
    intake = await startIntakeHarness([zendeskSource('zd', fake.url)], { ZD_TOKEN: TOKEN });
  }, 60_000);
  afterEach(async () => {
    await intake?.close();
    await fake?.close();
  });

  it('pulls every page to the end of the export, keeping only feature-request tickets', async () => {
    seed(fake, [1, 2, 3, 4, 5]);
    fake.tickets.push(zendeskTicket(6, { tags: ['billing'] }));
    fake.users.push({ id: 106, name: 'Other', email: 'other@globex.com' });

    const outcome = await intake.pull('zd');
    expect(outcome).toEqual({ pulled: 5, pages: 3 });
    const rows = await intake.requestsOf('zd');
    expect(rows.map((r) => r.sourceRef)).toEqual(['1', '2', '3', '4', '5']);
    const first = rows[0];
    expect(first).toMatchObject({
      source: 'zd',
      title: 'Feature 1',
      body: 'Please add feature 1.',
      url: `${fake.url}/agent/tickets/1`,
      sourceThread: { ticketId: 1 },
      tags: ['feature_request'],
    });
    expect(first?.submittedRequester).toEqual({
      email: 'user1@globex.com',
      name: 'User 1',
      externalId: 'zendesk:101',
      company: { name: 'Globex', domain: 'globex.com' },
    });
    expect(first?.receivedAt.toISOString()).toBe(new Date(zendeskTime(1)).toISOString());
    // The sideloads were asked for; the second and third pages went by after_cursor.
    const exports = fake.calls.filter((c) => c.includes('/incremental/tickets/cursor.json'));
    expect(exports).toHaveLength(3);
    expect(exports[0]).toContain('include=users%2Corganizations');
    expect(exports[1]).toContain('cursor=');
    // Each new request waits for triage.
    expect((await intake.triageJobs()).length).toBe(5);
    const row = await intake.store.intake.get('zd');
    expect(row).toMatchObject({ healthy: true, consecutiveFailures: 0 });
    expect(JSON.parse(row?.cursor ?? '{}')).toEqual({ since: Date.parse(zendeskTime(6)) / 1000 });
  });

  it('resumes after a crash mid-pull from the cursor after the last stored page, without duplicates', async () => {
    seed(fake, [1, 2, 3, 4, 5, 6, 7]);
    fake.faults.arm('/api/v2/incremental', { dropConnection: true }, { skip: 2 });

    await expect(intake.pull('zd')).rejects.toThrow(/unreachable/);
    expect((await intake.requestsOf('zd')).map((r) => r.sourceRef)).toEqual(['1', '2', '3', '4']);
    const afterCrash = await intake.store.intake.get('zd');
    const cursor = JSON.parse(afterCrash?.cursor ?? '{}') as { after?: string };
    expect(cursor.after).toBeTruthy();
    expect(afterCrash?.lastError).toMatch(/transient/);

    fake.calls.length = 0;
    expect(await intake.pull('zd')).toEqual({ pulled: 3, pages: 2 });
    // The next pull continued from the stored after_cursor, not from the start.
    expect(fake.calls[0]).toContain(`cursor=${encodeURIComponent(cursor.after ?? '')}`);
    expect((await intake.requestsOf('zd')).map((r) => r.sourceRef)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
    ]);
    expect(await intake.store.intake.get('zd')).toMatchObject({ healthy: true, lastError: null });
  });

  it('re-reads the lag window on the next pull: a late ticket is picked up and overlaps are no-ops', async () => {
    seed(fake, [1, 2, 3]);
    await intake.pull('zd');
    // Indexed late: updated before the newest ticket the first pull saw.
    fake.users.push({ id: 150, name: 'Late', email: 'late@globex.com' });
    fake.tickets.push(
      zendeskTicket(50, { updated_at: zendeskTime(2), created_at: zendeskTime(2), requester_id: 150 }),
    );

    fake.calls.length = 0;
    expect(await intake.pull('zd')).toEqual({ pulled: 1, pages: 2 });
    const start = Number(new URL(`http://x${fake.calls[0]?.split(' ')[1]}`).searchParams.get('start_time'));
    expect(start).toBe(Date.parse(zendeskTime(3)) / 1000 - 600);
    expect((await intake.requestsOf('zd')).map((r) => r.sourceRef)).toEqual(['1', '2', '3', '50']);
    const counted = (await intake.metrics.sourceItems.get()).values;
    const replayed = counted.find((v) => v.labels.source === 'zd' && v.labels.outcome === 'replayed');
    expect(replayed?.value).toBe(3);
  });

  it('waits out a 429 Retry-After and completes the pull without counting a failure', async () => {
    seed(fake, [1, 2, 3, 4]);
    fake.faults.arm('/api/v2/incremental', { status: 429, retryAfterSeconds: 1 }, { skip: 1 });

    expect(await intake.pull('zd')).toEqual({ pulled: 4, pages: 2 });
    expect((await intake.requestsOf('zd')).map((r) => r.sourceRef)).toEqual(['1', '2', '3', '4']);
    expect(await intake.store.intake.get('zd')).toMatchObject({ healthy: true, consecutiveFailures: 0 });
    const exports = fake.calls.filter((c) => c.includes('/incremental/'));
    // page 1, the refused page 2, page 2 again from the stored cursor
    expect(exports).toHaveLength(3);
    expect(exports[2]).toBe(exports[1]);
    expect(intake.logs.some((l) => l.includes('source rate limited; waiting'))).toBe(true);
  });

  it('rejects malformed tickets with a logged reason and keeps the rest', async () => {
    seed(fake, [1, 2]);
    fake.users.push({ id: 103, name: 'No Mail', email: null });
    fake.tickets.push(zendeskTicket(3));
    fake.users.push({ id: 104, name: 'Quiet', email: 'quiet@globex.com' });
    fake.tickets.push(zendeskTicket(4, { subject: null, description: null }));
    fake.users.push({ id: 105, name: 'Bad', email: 'not-an-email' });
    fake.tickets.push(zendeskTicket(5));

    expect(await intake.pull('zd')).toEqual({ pulled: 2, pages: 3 });
    expect((await intake.requestsOf('zd')).map((r) => r.sourceRef)).toEqual(['1', '2']);
    const rejected = intake.logs.filter((l) => l.includes('source item rejected')).map((l) => JSON.parse(l));
    expect(rejected.map((r) => [r.ref, r.reason])).toEqual([
      ['3', 'requester 103 has no email address'],
      ['4', 'ticket has neither a subject nor a description'],
      ['5', expect.stringContaining('requester.email')],
    ]);
    // The customer's address is not in the log.
    expect(intake.logs.join('\n')).not.toContain('not-an-email');
  });

  it('marks the source unhealthy when Zendesk refuses the token, and healthy again once it is fixed', async () => {
    seed(fake, [1]);
    fake.setToken('rotated');
    await expect(intake.pull('zd')).rejects.toThrow(/refused the credentials/);
    expect(await intake.store.intake.get('zd')).toMatchObject({
      healthy: false,
      consecutiveFailures: 1,
      lastError: expect.stringContaining("Couldn't authenticate you"),
    });
    await expect(intake.sources.get('zd')?.check()).rejects.toMatchObject({ kind: 'auth' });

    fake.setToken(TOKEN);
    expect(await intake.pull('zd')).toEqual({ pulled: 1, pages: 1 });
    expect(await intake.store.intake.get('zd')).toMatchObject({
      healthy: true,
      consecutiveFailures: 0,
      lastError: null,
    });
  });

  it('lets only one of two simultaneous pulls of the same source run (across processes: sources-pull-lock.test.ts)', async () => {
    seed(fake, [1, 2, 3, 4, 5]);
    const outcomes = await Promise.all([intake.pull('zd'), intake.pull('zd')]);
    expect(outcomes).toEqual(expect.arrayContaining([{ pulled: 5, pages: 3 }, { skipped: 'locked' }]));
    expect((await intake.requestsOf('zd')).map((r) => r.sourceRef)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('backs off a source whose credentials keep failing instead of calling it every run', async () => {
    seed(fake, [1]);
    fake.setToken('rotated');
    await expect(intake.pull('zd')).rejects.toThrow(/refused/);
    await expect(intake.pull('zd')).rejects.toThrow(/refused/);
    const calls = fake.calls.length;
    // Two failures in a row: the next scheduled runs wait (2 × the 300 s interval) without calling Zendesk.
    expect(await intake.pull('zd')).toEqual({ skipped: 'backing-off' });
    expect(fake.calls).toHaveLength(calls);
    expect(await intake.store.intake.get('zd')).toMatchObject({ healthy: false, consecutiveFailures: 2 });
  });

  it('replies with a public comment on the ticket, as escaped HTML, once per message', async () => {
    seed(fake, [1, 2]);
    await intake.pull('zd');
    const [, second] = await intake.requestsOf('zd');
    const thread = replyThreadOf(second);
    const text = renderSourceReply({
      productName: 'Acme',
      feature: { title: 'Feature 2 [Docs](https://evil.example) <b>now</b>' },
      status: 'in_progress',
      messageId: '<m-1@suggested.example>',
    });
    const reply = intake.sources.get('zd')?.reply;
    await reply?.(thread, { text, messageId: '<m-1@suggested.example>' });
    expect(fake.replies).toEqual([{ ticketId: 2, body: plainToHtml(text), public: true, html: true }]);
    expect(fake.replies[0]?.body).toContain('[Docs](https://evil.example) &lt;b&gt;now&lt;/b&gt;');

    // The send retried after a crash (the comment was made, `sent` was not recorded) finds it: still one comment.
    await reply?.(thread, { text, messageId: '<m-1@suggested.example>' });
    expect(fake.replies).toHaveLength(1);
    // Another notification on the same ticket does post; text without a reference gets one, so it is once-only too.
    await reply?.(thread, { text: 'Feature 2 has shipped.', messageId: '<m-2@suggested.example>' });
    await reply?.(thread, { text: 'Feature 2 has shipped.', messageId: '<m-2@suggested.example>' });
    expect(fake.replies.map((r) => r.body)).toEqual([
      plainToHtml(text),
      '<p>Feature 2 has shipped.</p><p>Ref: m-2</p>',
    ]);
  });
});
