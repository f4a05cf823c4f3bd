import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import {
  type ConsoleSandbox,
  type SentRequest,
  signInByEmail,
  signInWithOidc,
  startConsoleSandbox,
} from '../helpers/console.ts';
import { waitFor } from '../helpers/service.ts';

/**
 * The console in Chromium against `suggested-sync start` in sandbox mode: signing in through the identity provider
 * and by an emailed link, what a signed-out visitor sees, the review queue, a merge undone, a title edited, a push
 * whose issue links back, an erasure, and the CSRF and viewer checks. One service for the whole file.
 */

const MEMBER = 'po@acme.test';
const MAIL_MEMBER = 'lead@acme.test';
const VIEWER = 'watcher@acme.test';

let sandbox: ConsoleSandbox;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Requests sent before the tests: pairs that triage puts in the review band, and a requester to erase. */
let seed: Record<'dark' | 'darkTheme' | 'csv' | 'csvFiles' | 'sso' | 'ssoVia' | 'erin', SentRequest>;

beforeAll(async () => {
  if (chromiumMissing) return;
  sandbox = await startConsoleSandbox({
    members: [MEMBER, MAIL_MEMBER],
    viewers: [VIEWER],
    accounts: [
      { sub: 'u-po', email: MEMBER, groups: ['product'] },
      { sub: 'u-watcher', email: VIEWER, groups: [] },
    ],
  });
  browser = await launchChromium();
  const send = (title: string, body: string, email: string, company?: string) =>
    sandbox.sendRequest({ title, body, email, ...(company ? { company: { name: company } } : {}) });
  seed = {
    dark: await send(
      'Dark mode',
      'Our team works late and the white background is blinding.',
      'ada@acme.io',
      'Acme',
    ),
    darkTheme: await send(
      'Please add a dark theme',
      'Would love a dark theme, my eyes hurt at night.',
      'bob@globex.io',
    ),
    csv: await send(
      'Export reports to CSV',
      'Finance needs the monthly numbers in a spreadsheet.',
      'cy@acme.io',
      'Acme',
    ),
    csvFiles: await send(
      'Export reports as CSV files',
      'We want to download reports as CSV files and open them in Excel.',
      'dee@initech.io',
    ),
    sso: await send(
      'Single sign-on with Okta',
      'Every tool we buy has to log in through Okta.',
      'eve@acme.io',
    ),
    ssoVia: await send(
      'SSO via Okta',
      'Security will not sign off until we can use Okta SSO.',
      'fay@hooli.io',
    ),
    erin: await send(
      'Bulk edit tickets',
      'Changing 200 tickets one by one takes all afternoon.',
      'erin@umbrella.io',
    ),
  };
  // Each second request is a possible duplicate of the first: the review queue has them.
  await waitFor('three possible duplicates', async () => {
    const review = (await (await sandbox.api('/v1/review?limit=100')).json()) as {
      data: Array<{ feature: { id: string } }>;
    };
    const held = new Set(review.data.map((d) => d.feature.id));
    return [seed.darkTheme, seed.csvFiles, seed.ssoVia].every((r) => held.has(r.featureId))
      ? true
      : undefined;
  });
}, 240_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await sandbox?.stop();
});

/** Every question a form asked in a dialog (forms marked data-confirm); the person always says yes. */
const asked: string[] = [];

async function freshPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (dialog) => {
    asked.push(dialog.message());
    void dialog.accept();
  });
  return page;
}

/** A page signed in by an emailed link (the identity provider has a test of its own), standing on `path`. */
async function signedIn(email: string, path: string): Promise<Page> {
  const page = await freshPage();
  await page.goto(`${sandbox.url}${path}`);
  await signInByEmail(page, sandbox, email);
  expect(new URL(page.url()).pathname).toBe(path.split('?')[0]);
  return page;
}

interface FeatureView {
  title: string;
  mergedInto: string | null;
}
const feature = async (id: string) => (await (await sandbox.api(`/v1/features/${id}`)).json()) as FeatureView;

describe.skipIf(chromiumMissing)(
  `the console in Chromium${chromiumMissing ? ` (skipped: ${chromiumSkipReason})` : ''}`,
  () => {
    it('a signed-out visitor of any console page sees the sign-in page and nothing else', async () => {
      const page = await freshPage();
      const paths = [
        '/console',
        '/console/features',
        `/console/features/${seed.dark.featureId}`,
        '/console/review',
        '/console/requesters?q=ada',
        `/console/requesters/${seed.dark.requesterId}`,
        `/console/companies/${seed.dark.companyId}`,
        '/console/health',
      ];
      for (const path of paths) {
        const res = await page.goto(`${sandbox.url}${path}`);
        expect([path, new URL(page.url()).pathname]).toEqual([path, '/console/sign-in']);
        expect(res?.status()).toBe(200);
        const text = await page.locator('body').textContent();
        for (const secret of ['Dark mode', 'ada@acme.io', 'Acme']) expect([path, text]).not.toContain(secret);
        expect(await page.locator('a[href^="/console/features"], a[href^="/console/review"]').count()).toBe(
          0,
        );
      }
    });

    it('signs in through the identity provider and lands on the page asked for', async () => {
      const path = `/console/features/${seed.dark.featureId}`;
      const page = await freshPage();
      await page.goto(`${sandbox.url}${path}`);
      await signInWithOidc(page, sandbox, MEMBER);
      expect(new URL(page.url()).pathname).toBe(path);
      await expect.poll(() => page.locator('h1').textContent()).toContain('Dark mode');
      expect(await page.locator('header').textContent()).toContain(MEMBER);
    });

    it('signs in by an emailed link, once', async () => {
      const page = await freshPage();
      await page.goto(`${sandbox.url}/console/review`);
      const link = await signInByEmail(page, sandbox, MAIL_MEMBER);
      expect(new URL(page.url()).pathname).toBe('/console/review');
      expect(await page.locator('header').textContent()).toContain(MAIL_MEMBER);

      // Used once: the same link in another browser signs no one in.
      const again = await freshPage();
      await again.goto(link);
      const button = again.getByRole('button', { name: /sign in/i });
      if ((await button.count()) > 0) await button.click();
      expect(new URL(again.url()).pathname).toMatch(/^\/console\/sign-in/);
      await again.goto(`${sandbox.url}/console/review`);
      expect(new URL(again.url()).pathname).toBe('/console/sign-in');
    });

    it('merges a possible duplicate from the review, undoes it on the feature page, and edits a title', async () => {
      const page = await signedIn(MAIL_MEMBER, '/console/review');
      const item = page.locator(`#item-${seed.darkTheme.featureId}`);
      await expect.poll(() => item.textContent()).toContain('Please add a dark theme');
      await item.getByRole('button', { name: 'Merge into the candidate' }).click();
      await page.waitForURL(/\/console\/review\?done=/);
      expect(await page.getByRole('status').textContent()).not.toBe('');
      expect(await page.locator(`#item-${seed.darkTheme.featureId}`).count()).toBe(0);
      expect((await feature(seed.darkTheme.featureId)).mergedInto).toBe(seed.dark.featureId);

      await page.goto(`${sandbox.url}/console/features/${seed.darkTheme.featureId}`);
      await page.getByRole('button', { name: /unmerge|undo/i }).click();
      await page.waitForURL(/\?done=/);
      expect(await page.getByRole('status').textContent()).not.toBe('');
      expect((await feature(seed.darkTheme.featureId)).mergedInto).toBeNull();

      await page.goto(`${sandbox.url}/console/features/${seed.dark.featureId}`);
      await page.getByLabel(/title/i).fill('Dark mode across the whole app');
      await page.getByRole('button', { name: /title|save|rename/i }).click();
      await page.waitForURL(/\?done=/);
      expect(await page.locator('h1').textContent()).toContain('Dark mode across the whole app');
      expect((await feature(seed.dark.featureId)).title).toBe('Dark mode across the whole app');
    });

    it('pushes a held feature; its issue links back, through sign-in, to the feature', async () => {
      const id = seed.csvFiles.featureId;
      const page = await signedIn(MAIL_MEMBER, `/console/features/${id}`);
      await page.getByRole('button', { name: /push/i }).click();
      await page.waitForURL(/\?done=/);
      const issue = await waitFor('the pushed issue', async () => {
        const issues = await linearIssues(sandbox.linearUrl);
        return issues.find((i) => i.title === 'Export reports as CSV files');
      });
      const featurePage = `${sandbox.url}/console/features/${id}`;

      // Someone in a browser that never signed in opens the issue in the tracker and follows its link.
      const visitor = await freshPage();
      await visitor.goto(issue.url);
      const row = visitor.locator(`[id="${issue.identifier}"]`);
      expect(await row.getByRole('cell').first().textContent()).toContain('Export reports as CSV files');
      // The description's link, and the attachment the tracker shows beside it.
      const link = row.getByRole('link', { name: 'Open this feature in Suggested Sync' });
      const attachment = row.getByRole('link', { name: 'Suggested Sync feature', exact: true });
      expect([await link.getAttribute('href'), await attachment.getAttribute('href')]).toEqual([
        featurePage,
        featurePage,
      ]);
      await link.click();
      await visitor.waitForURL((u) => u.pathname === '/console/sign-in');
      await signInByEmail(visitor, sandbox, MAIL_MEMBER);
      expect(visitor.url()).toBe(featurePage);
      expect(await visitor.locator('h1').textContent()).toContain('Export reports as CSV files');
    });

    it('erases a requester once their address is typed', async () => {
      const page = await signedIn(MAIL_MEMBER, '/console/requesters?q=erin');
      await page.getByRole('link', { name: 'erin@umbrella.io' }).click();
      expect(new URL(page.url()).pathname).toBe(`/console/requesters/${seed.erin.requesterId}`);
      // The form asks once more in a dialog, each time it is sent.
      const askedBefore = asked.filter((q) => q.startsWith('Erase')).length;
      const confirm = page.getByLabel(/type their email address/i);
      await confirm.fill('someone@else.io');
      await page.getByRole('button', { name: 'Erase this requester' }).click();
      expect(await page.getByRole('alert').textContent()).not.toBe('');
      expect(await page.locator('h1').textContent()).toContain('erin@umbrella.io');

      await page.getByLabel(/type their email address/i).fill('erin@umbrella.io');
      await page.getByRole('button', { name: 'Erase this requester' }).click();
      await page.waitForURL(/\?done=/);
      expect(await page.locator('h1').textContent()).toBe('Erased requester');
      expect(asked.filter((q) => q.startsWith('Erase')).length - askedBefore).toBe(2);
      expect(await page.locator('main').textContent()).not.toContain('erin@umbrella.io');
      const view = (await (await sandbox.api(`/v1/requests/${seed.erin.requestId}`)).json()) as {
        requester: { email: string | null };
      };
      expect(view.requester.email).not.toBe('erin@umbrella.io');
    });

    it('refuses a change without its CSRF token, and a viewer sees no merge and cannot forge one', async () => {
      const id = seed.sso.featureId;
      const page = await signedIn(MAIL_MEMBER, `/console/features/${id}`);
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
      const post = (form: Record<string, string>) =>
        page.request.post(`${sandbox.url}/console/features/${id}/title`, { form, maxRedirects: 0 });
      const refused = await post({ title: 'Forged title' });
      expect(refused.status()).toBe(403);
      expect((await feature(id)).title).toBe('Single sign-on with Okta');
      // The same form with the token goes through: the refusal was the token's.
      expect((await post({ title: 'Okta single sign-on', _csrf: csrf })).status()).toBe(303);
      expect((await feature(id)).title).toBe('Okta single sign-on');

      const viewer = await signedIn(VIEWER, '/console/review');
      await expect.poll(() => viewer.locator(`#item-${seed.ssoVia.featureId}`).count()).toBe(1);
      expect(await viewer.getByRole('button', { name: /merge|not a duplicate/i }).count()).toBe(0);
      await viewer.goto(`${sandbox.url}/console/features/${seed.ssoVia.featureId}`);
      expect(await viewer.getByRole('button', { name: /merge|push|title/i }).count()).toBe(0);
      const viewerCsrf = await viewer.locator('input[name="_csrf"]').first().inputValue();
      const forged = await viewer.request.post(`${sandbox.url}/console/review/${seed.ssoVia.featureId}`, {
        form: { answer: 'merge', _csrf: viewerCsrf },
        maxRedirects: 0,
      });
      expect(forged.status()).toBe(403);
      expect((await feature(seed.ssoVia.featureId)).mergedInto).toBeNull();
    });
  },
);

/** The Linear sandbox's issues with where each one's page is. */
async function linearIssues(url: string): Promise<Array<{ title: string; identifier: string; url: string }>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { authorization: 'lin_api_sandbox', 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'query ConsoleIssues { issues(first: 100) { nodes { title identifier url } } }',
    }),
  });
  const body = (await res.json()) as {
    data: { issues: { nodes: Array<{ title: string; identifier: string; url: string }> } };
  };
  return body.data.issues.nodes;
}
