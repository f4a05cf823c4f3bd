import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, requesters } from '../src/store/schema.ts';
import { type ConsoleSession, openPage, signIn, submitForm } from './helpers/console-session.ts';
import { linearDriver, requesterIdOf } from './helpers/notify.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * The console's Requesters and companies pages over HTTP, signed in with a session from the database: the search
 * by email, domain and name; a requester's requests and the news sent them; the export (the API's JSON, as a
 * download) and the erasure behind a typed confirmation, each recorded with the signed-in person.
 */

const ADMIN = 'admin-token-console-requesters-01';
let svc: TestService;
let drive: ReturnType<typeof linearDriver>;
let featureId: string;
beforeAll(async () => {
  svc = await startService({
    yaml: 'push:\n  coalesceSeconds: 1\n',
    env: { ADMIN_TOKEN: ADMIN, NOTIFY_COALESCE_SECONDS: '1' },
  });
  drive = linearDriver(svc);
  // Ada and Grace at Acme ask for one feature, which starts being built: each is told.
  const feature = await drive.featureWith('Audit trail for workspace admins', [
    { email: 'Ada@Acme.io', name: 'Ada Lovelace' },
    { email: 'grace@acme.io', name: 'Grace Hopper' },
  ]);
  featureId = feature.featureId;
  await drive.move(feature.issueId, 'started');
  await drive.statusIs(featureId, 'in_progress');
  // Sent, not only queued: the export test compares two reads of the outbox made a moment apart.
  await waitFor('news sent to both requesters', async () => {
    const rows = await drive.rows(featureId);
    return rows.length === 2 && rows.every((r) => r.state === 'sent') ? true : undefined;
  });
  const alan = validRequest({
    title: 'Offline mode for the mobile app',
    requester: { email: 'alan@turing.example', name: 'Alan Turing', company: { name: 'Turing Machines' } },
  });
  expect((await svc.post('/v1/requests', alan)).status).toBe(202);
  await waitFor('Alan triaged', async () => requesterIdOf(svc, 'alan@turing.example').catch(() => undefined));
}, 120_000);
afterAll(async () => {
  await svc?.stop();
});

const search = (session: ConsoleSession, q: string) =>
  openPage(session, `/console/requesters?q=${encodeURIComponent(q)}`);

/** The addresses a search page lists, in order. */
const listed = (html: string) =>
  [...html.matchAll(/<a href="\/console\/requesters\/[0-9a-f-]+">([^<]+)<\/a>/g)].map((m) => m[1]);

const erase = (session: ConsoleSession, id: string, form: Record<string, string>) =>
  submitForm(session, `/console/requesters/${id}/erase`, form);

const auditOf = (requesterId: string, action: 'export' | 'erase') =>
  svc.runtime.store.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.requesterId, requesterId), eq(auditEvents.action, action)));

describe('finding requesters and companies', () => {
  it('by the beginning of an email address, whatever its case', async () => {
    const viewer = await signIn(svc, 'viewer');
    expect(listed(await search(viewer, 'ADA@acme'))).toEqual(['Ada@Acme.io']);
    expect(listed(await search(viewer, 'grace'))).toEqual(['grace@acme.io']);
    // A LIKE wildcard typed is a character, not "anything".
    expect(listed(await search(viewer, '%acme'))).toEqual([]);
  });

  it('by domain: the company, and its requesters', async () => {
    const viewer = await signIn(svc, 'viewer');
    const html = await search(viewer, 'acme.io');
    expect(listed(html)).toEqual(['Ada@Acme.io', 'grace@acme.io']);
    // Nobody gave the company a name: it is known by its domain.
    const company = /href="\/console\/companies\/([0-9a-f-]+)">acme.io<\/a><\/td><td>acme.io</.exec(
      html,
    )?.[1];
    expect(company).toBeDefined();
    const companyPage = await openPage(viewer, `/console/companies/${company}`);
    expect(companyPage).toContain('<h1>acme.io</h1>');
    expect(companyPage).toContain(
      `<a href="/console/features/${featureId}">Audit trail for workspace admins</a>`,
    );
    expect(listed(companyPage)).toEqual(['Ada@Acme.io', 'grace@acme.io']);
    expect(companyPage).not.toContain('alan@turing.example');
  });

  it('by the beginning of the first or last word of a name, and of a company name', async () => {
    const viewer = await signIn(svc, 'viewer');
    expect(listed(await search(viewer, 'hopper'))).toEqual(['grace@acme.io']);
    const turing = await search(viewer, 'Turing');
    expect(listed(turing)).toEqual(['alan@turing.example']);
    expect(turing).toContain('>Turing Machines</a>');
    expect(await search(viewer, 'nobody-by-that-name')).toContain('Nothing matches');
  });
});

describe('a requester', () => {
  it('shows their requests with their features and statuses, and the news sent them', async () => {
    const viewer = await signIn(svc, 'viewer');
    const id = await requesterIdOf(svc, 'ada@acme.io');
    const html = await openPage(viewer, `/console/requesters/${id}`);
    expect(html).toContain('<h1>Ada Lovelace</h1>');
    expect(html).toContain('<dd>Ada@Acme.io</dd>');
    expect(html).toMatch(/<a href="\/console\/companies\/[0-9a-f-]+">acme.io<\/a>/);
    expect(html).toContain(`<a href="/console/features/${featureId}">Audit trail for workspace admins</a>`);
    expect(html).toContain('<span class="status status-in_progress">In progress</span>');
    const news = html.slice(html.indexOf('id="mail-heading"'), html.indexOf('id="prefs-heading"'));
    expect(news).toContain('<td>In progress</td>');
    expect(news).toContain('<td>email</td>');
    // A viewer is not offered what only members may do.
    expect(html).not.toContain('/erase');
    expect(html).not.toContain('/export');
    await openPage(viewer, `/console/requesters/${id}/export`, 403);
    await openPage(viewer, '/console/requesters/00000000-0000-4000-8000-000000000000', 404);
  });

  it('export: the same JSON as the API, as a download, recorded as the signed-in person', async () => {
    const member = await signIn(svc, 'member', 'dpo@example.com');
    const id = await requesterIdOf(svc, 'grace@acme.io');
    const res = await fetch(`${svc.url}/console/requesters/${id}/export`, {
      headers: { cookie: member.cookie },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="requester-${id}.json"`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const exported = (await res.json()) as Record<string, unknown>;
    const api = await fetch(`${svc.url}/v1/requesters/${id}/export`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const fromApi = (await api.json()) as Record<string, unknown>;
    expect({ ...exported, exportedAt: null }).toEqual({ ...fromApi, exportedAt: null });
    expect((exported['requester'] as { email: string }).email).toBe('grace@acme.io');
    const audit = await auditOf(id, 'export');
    expect(audit.map((a) => a.actor).sort()).toEqual(['admin token', 'dpo@example.com']);
  });

  it('erase: refused unless their address is typed exactly, then done, recorded, and shown as erased', async () => {
    const member = await signIn(svc, 'member', 'dpo@example.com');
    const id = await requesterIdOf(svc, 'ada@acme.io');

    // Without the form token, or as a viewer: refused before anything is read.
    const withoutToken = await submitForm(
      member,
      `/console/requesters/${id}/erase`,
      { confirm: 'Ada@Acme.io' },
      { csrf: false },
    );
    expect(withoutToken.status).toBe(403);
    const viewer = await signIn(svc, 'viewer');
    expect((await erase(viewer, id, { confirm: 'Ada@Acme.io' })).status).toBe(403);

    for (const typed of ['ada@acme', 'someone@else.example', '']) {
      const wrong = await erase(member, id, { confirm: typed });
      expect(wrong.status).toBe(400);
      expect(await wrong.text()).toContain('<p class="alert" role="alert">');
    }
    const [kept] = await svc.runtime.store.db.select().from(requesters).where(eq(requesters.id, id));
    expect(kept).toMatchObject({ email: 'Ada@Acme.io', name: 'Ada Lovelace', erasedAt: null });
    expect(await auditOf(id, 'erase')).toEqual([]);

    const right = await erase(member, id, { confirm: ' Ada@Acme.io ' });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe(`/console/requesters/${id}?done=erased`);
    const [gone] = await svc.runtime.store.db.select().from(requesters).where(eq(requesters.id, id));
    expect(gone?.erasedAt).not.toBeNull();
    expect(gone?.name).toBeNull();
    expect(gone?.email).not.toContain('acme');
    expect(await auditOf(id, 'erase')).toMatchObject([{ actor: 'dpo@example.com' }]);

    const after = await openPage(member, `/console/requesters/${id}?done=erased`);
    expect(after).toContain('<h1>Erased requester</h1>');
    expect(after).toContain('<p class="flash" role="status">Erased:');
    // Her name and address, not "ada" anywhere: a random id on the page may hold those letters.
    expect(after).not.toMatch(/lovelace|ada@/i);
    expect(after).not.toContain('name="confirm"');
    expect(listed(await search(member, 'ada@'))).toEqual([]);
  });
});
