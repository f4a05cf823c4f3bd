import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, featureMerges } from '../src/store/schema.ts';
import { type ConsoleSession, openPage, sendRequest, signIn, submitForm } from './helpers/console-session.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * A feature's console page over HTTP, signed in with a session from the database: what it shows, and a member's
 * actions (retitle, push now, unlink and link again, merge through the search form and unmerge, export), each
 * done as the signed-in person and on record in the timeline. A viewer sees none of them and is refused them.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 0.2\n' });
}, 120_000);
afterAll(async () => {
  await svc?.stop();
});

const MEMBER = 'po@example.com';

const send = async (request: Record<string, unknown>) => (await sendRequest(svc, request)).featureId;

/** The feature's live link once its issue exists and carries what was last pushed. */
const pushedLink = (featureId: string) =>
  waitFor(`feature ${featureId} pushed`, async () => {
    const links = await svc.runtime.store.links.forFeature(featureId);
    const live = links.find((l) => l.state === 'linked');
    return live?.issueKey && !live.dirtySince ? live : undefined;
  });

const auditOf = (featureId: string, action: (typeof auditEvents.$inferSelect)['action']) =>
  svc.runtime.store.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.featureId, featureId), eq(auditEvents.action, action)));

let member: ConsoleSession;
let viewer: ConsoleSession;
let darkMode: string;
beforeAll(async () => {
  member = await signIn(svc, 'member', MEMBER);
  viewer = await signIn(svc, 'viewer', 'viewer@example.com');
  darkMode = await send(
    validRequest({ title: 'Dark mode for reports', tags: ['jira'], requester: { email: 'ada@acme.io' } }),
  );
  await pushedLink(darkMode);
}, 60_000);

describe("a feature's page", () => {
  it('shows the requests, the requester, the issue and the score to a viewer, with no member actions', async () => {
    const html = await openPage(viewer, `/console/features/${darkMode}`);
    expect(html).toContain('<h1>Dark mode for reports</h1>');
    expect(html).toMatch(/href="\/console\/requesters\/[0-9a-f-]{36}"/);
    const [link] = await svc.runtime.store.links.forFeature(darkMode);
    expect(html).toContain(`>Jira ${link?.issueKey}</a>`);
    expect(html).toContain('Requesters');
    expect(html).not.toContain(`action="/console/features/${darkMode}/title"`);
    expect(html).not.toContain(`action="/console/features/${darkMode}/push"`);
    expect(html).not.toContain('/unlink"');
    expect(html).not.toContain('/export"');
    const memberHtml = await openPage(member, `/console/features/${darkMode}`);
    expect(memberHtml).toContain(`action="/console/features/${darkMode}/title"`);
  });

  it('refuses a viewer (403) and a form without its CSRF token (403), changing nothing', async () => {
    expect(
      (await submitForm(viewer, `/console/features/${darkMode}/title`, { title: 'Viewer was here' })).status,
    ).toBe(403);
    expect(
      (
        await submitForm(
          member,
          `/console/features/${darkMode}/title`,
          { title: 'No token' },
          { csrf: false },
        )
      ).status,
    ).toBe(403);
    const wrong = await submitForm(member, `/console/features/${darkMode}/push`, { _csrf: 'not-the-token' });
    expect(wrong.status).toBe(403);
    expect(
      (await fetch(`${svc.url}/console/features/${darkMode}/export`, { headers: { cookie: viewer.cookie } }))
        .status,
    ).toBe(403);
    expect(await svc.runtime.store.features.title(darkMode)).toBe('Dark mode for reports');
    expect(await auditOf(darkMode, 'push')).toEqual([]);
  });

  it('answers an unknown feature with a 404 page', async () => {
    await openPage(member, '/console/features/00000000-0000-4000-8000-000000000000', 404);
  });
});

describe("a member's actions", () => {
  it('retitles the feature: the issue gets the new title, the timeline says who did it', async () => {
    const empty = await submitForm(member, `/console/features/${darkMode}/title`, { title: '   ' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('A title is needed');

    const res = await submitForm(member, `/console/features/${darkMode}/title`, {
      title: 'Dark theme across reports',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/console/features/${darkMode}?done=title`);
    const [audit] = await auditOf(darkMode, 'edit-title');
    expect(audit?.actor).toBe(MEMBER);
    const html = await openPage(member, `/console/features/${darkMode}?done=title`);
    expect(html).toContain('<h1>Dark theme across reports</h1>');
    expect(html).toContain('Title saved');
    expect(html).toMatch(
      /Retitled “Dark theme across reports” <span class="muted">by po@example\.com<\/span>/,
    );
    const view = (await (await svc.get(`/v1/features/${darkMode}`)).json()) as {
      actions: Array<{ action: string; actor: string }>;
    };
    expect(view.actions).toContainEqual(expect.objectContaining({ action: 'edit-title', actor: MEMBER }));
    // The push writes the issue's title: the edit reached the tracker.
    const link = await svc.runtime.store.links.forFeature(darkMode).then((l) => l[0]);
    const jira = svc.emulators().jira;
    await waitFor('the issue retitled', async () =>
      [...jira.state.issues.values()].find((i) => i.key === link?.issueKey)?.summary ===
      'Dark theme across reports'
        ? true
        : undefined,
    );
  });

  it('pushes now: the feature gets its push at once, on record as the member', async () => {
    const before = await pushedLink(darkMode);
    const res = await submitForm(member, `/console/features/${darkMode}/push`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/console/features/${darkMode}?done=pushed`);
    const [audit] = await auditOf(darkMode, 'push');
    expect(audit?.actor).toBe(MEMBER);
    expect(audit?.detail).toMatchObject({ linkId: before.id, tracker: 'jira' });
    await waitFor('pushed again', async () => {
      const link = await svc.runtime.store.links.get(before.id);
      return link?.pushedAt && before.pushedAt && link.pushedAt > before.pushedAt && !link.dirtySince
        ? true
        : undefined;
    });
    expect(await openPage(member, `/console/features/${darkMode}`)).toMatch(
      /Pushed to the tracker by hand \(Jira [A-Z]+-\d+\)/,
    );
  });

  it('records a push asked for through the API as its key', async () => {
    expect((await svc.post(`/v1/features/${darkMode}/push`, '')).status).toBe(202);
    const actors = (await auditOf(darkMode, 'push')).map((a) => a.actor);
    expect(actors).toContainEqual(expect.stringMatching(/^api key \S+$/));
    expect(actors).not.toContain('api key unknown');
  });

  it('unlinks the issue and links it again by its URL', async () => {
    const link = await pushedLink(darkMode);
    const unlinked = await submitForm(member, `/console/features/${darkMode}/unlink`, { linkId: link.id });
    expect(unlinked.headers.get('location')).toBe(`/console/features/${darkMode}?done=unlinked`);
    expect((await svc.runtime.store.links.get(link.id))?.state).toBe('unlinked');

    const elsewhere = (link.url ?? '').replace(link.issueKey ?? '', 'SBX-99999');
    const missing = await submitForm(member, `/console/features/${darkMode}/link`, { issue: elsewhere });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('has no issue');

    const res = await submitForm(member, `/console/features/${darkMode}/link`, { issue: link.url ?? '' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/console/features/${darkMode}?done=linked`);
    const live = (await svc.runtime.store.links.forFeature(darkMode)).find((l) => l.state !== 'unlinked');
    expect(live?.issueKey).toBe(link.issueKey);
    expect((await auditOf(darkMode, 'unlink'))[0]?.actor).toBe(MEMBER);
    expect((await auditOf(darkMode, 'link'))[0]?.actor).toBe(MEMBER);
    const html = await openPage(member, `/console/features/${darkMode}`);
    expect(html).toContain(`Unlinked issue Jira ${link.issueKey}`);
    expect(html).toContain(`Linked issue Jira ${link.issueKey}`);
  });

  it('merges into a feature found by words, then undoes it; the history names the member both times', async () => {
    const survivor = await send(
      validRequest({ title: 'Offline mode for the mobile app', requester: { email: 'bo@beta.io' } }),
    );
    const merged = await send(
      validRequest({ title: 'Export reports to PDF', requester: { email: 'cy@gamma.io' } }),
    );
    const search = await openPage(
      member,
      `/console/features/${merged}?merge=${encodeURIComponent('phone app offline')}`,
    );
    const form = new RegExp(
      `action="/console/features/${merged}/merge"[^>]*>\\s*<input type="hidden" name="_csrf" value="[^"]+">\\s*<input type="hidden" name="into" value="${survivor}">`,
    );
    expect(search).toMatch(form);
    expect(search).not.toContain(`name="into" value="${darkMode}"`);

    const res = await submitForm(member, `/console/features/${merged}/merge`, { into: survivor });
    expect(res.headers.get('location')).toBe(`/console/features/${merged}?done=merged`);
    const after = await openPage(member, `/console/features/${merged}?done=merged`);
    expect(after).toContain(
      `Merged into <a href="/console/features/${survivor}">Offline mode for the mobile app</a>`,
    );

    const undone = await submitForm(member, `/console/features/${merged}/unmerge`, {});
    expect(undone.headers.get('location')).toBe(`/console/features/${merged}?done=unmerged`);
    const [record] = await svc.runtime.store.db
      .select()
      .from(featureMerges)
      .where(eq(featureMerges.fromFeatureId, merged));
    expect(record).toMatchObject({ actor: MEMBER, undoneBy: MEMBER });
    const history = await openPage(member, `/console/features/${merged}`);
    expect(history).toMatch(
      /Merge undone: taken back out of <a[^>]+>[^<]+<\/a> <span class="muted">by po@example\.com/,
    );
    expect(history).toMatch(/Merged into <a[^>]+>[^<]+<\/a> <span class="muted">by po@example\.com/);
    const again = await submitForm(member, `/console/features/${merged}/unmerge`, {});
    expect(again.headers.get('location')).toBe(`/console/features/${merged}?error=not-merged`);
  });

  it('exports the requests as CSV, with formulas defused, on record', async () => {
    const featureId = await send(
      validRequest({
        title: '=HYPERLINK("http://evil.example","Invoice totals")',
        requester: { email: 'eve@delta.io', name: '+Eve "the" Tester', company: { name: '@Delta' } },
      }),
    );
    const res = await fetch(`${svc.url}/console/features/${featureId}/export`, {
      headers: { cookie: member.cookie },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, row] = (await res.text()).split('\r\n');
    expect(header).toBe('"requester email","requester name","company","source","received","title"');
    expect(row).toMatch(
      /^"eve@delta\.io","'\+Eve ""the"" Tester","'@Delta","api","\d{4}-[^"]+","'=HYPERLINK\(""http:\/\/evil\.example"",""Invoice totals""\)"$/,
    );
    const [audit] = await auditOf(featureId, 'export');
    expect(audit).toMatchObject({ actor: MEMBER, detail: { requests: 1 } });
  });

  it('links the tracker issue back to the feature’s console page', async () => {
    const link = await pushedLink(darkMode);
    const issue = [...svc.emulators().jira.state.issues.values()].find((i) => i.key === link.issueKey);
    expect(issue?.remoteLinks.map((l) => l.object.url)).toContain(
      `${svc.config.publicUrl}/console/features/${darkMode}`,
    );
  });
});
