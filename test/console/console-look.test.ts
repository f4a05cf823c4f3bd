import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleSession } from '../../src/store/console-sessions.repo.ts';
import { chromiumMissing, chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { describeViolations, seriousViolations } from '../helpers/console.ts';
import { startService, type TestService } from '../helpers/service.ts';

/**
 * The console's look on the real service: its stylesheet and script served by name only, the root leading to the
 * console, and its errors (an unknown page, a refused form or role, a failure) as pages in the console's layout
 * while the API keeps problem JSON. Then console.js in headless Chromium, on a page served under the console's CSP.
 */

const asset = (name: string) => readFileSync(new URL(`../../src/http/views/assets/${name}`, import.meta.url));

let svc: TestService;
let browser: Browser | undefined;

beforeAll(async () => {
  svc = await startService();
  if (!chromiumMissing) browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

async function signIn(role: 'member' | 'viewer', email = `${role}@acme.io`) {
  const { cookieValue, csrf } = await createConsoleSession(svc.runtime.store.db, {
    email,
    name: null,
    role,
    via: 'local',
    ttlSeconds: 600,
  });
  return { cookie: `ss_session=${cookieValue}`, csrf };
}

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${svc.url}${path}`, { headers, redirect: 'manual' });

const postForm = (path: string, cookie: string, form: Record<string, string>) =>
  fetch(`${svc.url}${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });

/** A console error page: HTML in the console's layout, under its CSP, never cached. */
async function expectConsolePage(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(res.headers.get('cache-control')).toBe('no-store');
  const html = await res.text();
  expect(html).toContain('<link rel="stylesheet" href="/console/assets/console.css">');
  return html;
}

describe('console assets', () => {
  it('GET / leads to the console', async () => {
    const res = await get('/');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console');
  });

  it.each([
    ['console.css', 'text/css; charset=utf-8'],
    ['console.js', 'text/javascript; charset=utf-8'],
  ])('serves %s as %s, briefly cached, revalidated by ETag', async (name, type) => {
    const res = await get(`/console/assets/${name}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(Buffer.from(await res.arrayBuffer()).equals(asset(name))).toBe(true);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get(`/console/assets/${name}`, { 'if-none-match': etag ?? '' });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const stale = await get(`/console/assets/${name}`, { 'if-none-match': '"not-this-one"' });
    expect(stale.status).toBe(200);
  });

  it.each(['views.ts', 'console.CSS', '..%2Fviews.ts', '%2E%2E%2Fassets.ts', 'layout.eta'])(
    'answers anything but the listed names with the 404 page: %s',
    async (name) => {
      const html = await expectConsolePage(await get(`/console/assets/${name}`), 404);
      expect(html).toContain('<h1>Not found</h1>');
    },
  );
});

describe('console errors are pages', () => {
  it('an unknown console path: the 404 page; an unknown API path keeps problem JSON', async () => {
    const html = await expectConsolePage(await get('/console/no-such-page'), 404);
    expect(html).toContain('<h1>Page not found</h1>');
    const api = await svc.get('/v1/no-such-thing');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
  });

  it('a form without its CSRF token: a 403 page in the layout of the signed-in member', async () => {
    const { cookie } = await signIn('member', 'pat@acme.io');
    const res = await postForm(`/console/features/${randomUUID()}/title`, cookie, { title: 'New' });
    const html = await expectConsolePage(res, 403);
    expect(html).toContain('<h1>This form has expired</h1>');
    expect(html).toContain('pat@acme.io');
  });

  it('a viewer posting a member action: a 403 page naming the role', async () => {
    const { cookie, csrf } = await signIn('viewer');
    const res = await postForm(`/console/features/${randomUUID()}/title`, cookie, {
      title: 'New',
      _csrf: csrf,
    });
    const html = await expectConsolePage(res, 403);
    expect(html).toContain('<h1>Members only</h1>');
    expect(html).toContain('Your role is viewer');
  });
});

/**
 * Review items (each with its m/o/n buttons recording their clicks in `window.clicks`), a search field and a
 * textarea, added to a page the console served. Plain JavaScript run in the page: the tests' TypeScript has no DOM.
 */
const REVIEW_FIXTURE = `(() => {
  const main = document.querySelector('main');
  window.clicks = [];
  const search = document.createElement('input');
  search.type = 'search';
  search.setAttribute('aria-label', 'Search');
  const notes = document.createElement('textarea');
  notes.setAttribute('aria-label', 'Notes');
  main.append(search, notes);
  for (const n of [1, 2, 3]) {
    const item = document.createElement('article');
    item.className = 'review-item';
    item.tabIndex = -1;
    item.id = 'item-' + n;
    for (const key of ['m', 'o', 'n']) {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.key = key;
      button.textContent = key + ' ' + n;
      button.addEventListener('click', () => window.clicks.push(key + n));
      item.append(button);
    }
    main.append(item);
  }
})()`;

/** A form asking data-confirm, and a record in `window.sent` of whether each submit would have gone. */
const CONFIRM_FIXTURE = `(() => {
  const form = document.createElement('form');
  form.dataset.confirm = 'Erase this requester?';
  const button = document.createElement('button');
  button.textContent = 'Erase';
  form.append(button);
  document.querySelector('main').append(form);
  window.sent = [];
  // Runs after console.js's listener on document (the event bubbles on to window), then keeps the page.
  window.addEventListener('submit', (event) => {
    window.sent.push(!event.defaultPrevented);
    event.preventDefault();
  });
})()`;

/** A page the console served (its 404 page: its CSP, its layout, console.js) holding the review fixture. */
async function reviewPage(): Promise<Page> {
  if (!browser) throw new Error('no browser');
  const page = await browser.newPage();
  await page.goto(`${svc.url}/console/no-such-page`);
  await page.waitForLoadState('load');
  await page.evaluate(REVIEW_FIXTURE);
  return page;
}

const focusedId = async (page: Page) => String(await page.evaluate('document.activeElement?.id ?? ""'));
const clicks = (page: Page) => page.evaluate('window.clicks') as Promise<string[]>;
const blur = (page: Page) => page.evaluate('document.activeElement?.blur()');

const browserSuite = `console.js in a browser${chromiumMissing ? ` (${chromiumSkipReason})` : ''}`;

describe.skipIf(chromiumMissing)(browserSuite, () => {
  it('j/k move between review items; m, o, n answer the focused one (the first when none is)', async () => {
    const page = await reviewPage();
    await page.keyboard.press('n');
    expect(await clicks(page)).toEqual(['n1']);
    await page.keyboard.press('j');
    expect(await focusedId(page)).toBe('item-1');
    for (let i = 0; i < 3; i++) await page.keyboard.press('j');
    expect(await focusedId(page)).toBe('item-3');
    await page.keyboard.press('k');
    expect(await focusedId(page)).toBe('item-2');
    await page.keyboard.press('m');
    await page.keyboard.press('o');
    expect(await clicks(page)).toEqual(['n1', 'm2', 'o2']);
    await page.close();
  });

  it('never fires while typing in a field or with a modifier key', async () => {
    const page = await reviewPage();
    await page.getByLabel('Notes').click();
    await page.keyboard.type('jkmon/?');
    expect(await page.getByLabel('Notes').inputValue()).toBe('jkmon/?');
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('TEXTAREA');
    await blur(page);
    await page.keyboard.press('Control+m');
    await page.keyboard.press('Alt+n');
    expect(await clicks(page)).toEqual([]);
    expect(await page.locator('#shortcuts').count()).toBe(0);
    await page.close();
  });

  it('/ focuses the search field; ? opens and closes the help', async () => {
    const page = await reviewPage();
    await page.keyboard.press('/');
    expect(await page.locator(':focus').getAttribute('type')).toBe('search');
    expect(await page.getByLabel('Search').inputValue()).toBe('');
    await blur(page);
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    expect(await help.textContent()).toContain('Next item');
    // While the help is open the other keys do nothing.
    await page.keyboard.press('m');
    expect(await clicks(page)).toEqual([]);
    await page.keyboard.press('?');
    await help.waitFor({ state: 'hidden' });
    await page.close();
  });

  it('a form[data-confirm] is sent only when the question is accepted', async () => {
    const page = await reviewPage();
    await page.evaluate(CONFIRM_FIXTURE);
    const questions: string[] = [];
    let answer = false;
    page.on('dialog', (dialog) => {
      questions.push(dialog.message());
      void (answer ? dialog.accept() : dialog.dismiss());
    });
    await page.getByRole('button', { name: 'Erase' }).click();
    answer = true;
    await page.getByRole('button', { name: 'Erase' }).click();
    expect(questions).toEqual(['Erase this requester?', 'Erase this requester?']);
    expect(await page.evaluate('window.sent')).toEqual([false, true]);
    await page.close();
  });

  it('the error pages, signed out and in, leave axe nothing serious or critical', async () => {
    if (!browser) throw new Error('no browser');
    const { cookie } = await signIn('member', 'axe@acme.io');
    const context = await browser.newContext();
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: svc.url }]);
    const page = await context.newPage();
    await page.goto(`${svc.url}/console/no-such-page`);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    expect(await seriousViolations(page), describeViolations('404', await seriousViolations(page))).toEqual(
      [],
    );
    // A form posted without its CSRF token: the 403 page, with the signed-in header and its navigation.
    await page.evaluate(`(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = '/console/features/${randomUUID()}/title';
      const title = document.createElement('input');
      title.name = 'title';
      title.value = 'New';
      form.append(title);
      document.body.append(form);
      form.submit();
    })()`);
    await page.getByRole('heading', { name: 'This form has expired' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Console' }).isVisible()).toBe(true);
    expect(await seriousViolations(page), describeViolations('403', await seriousViolations(page))).toEqual(
      [],
    );
    await context.close();
  });
});

// Last: it breaks the service's database for good.
describe('a failure on a console page', () => {
  it('a 500 page with the request id, and nothing of the error', async () => {
    const { cookie } = await signIn('member');
    // The sessions table gone: the session check itself fails, as an unexpected database error would.
    await svc.runtime.store.db.execute(sql`drop table console_sessions cascade`);
    const res = await get('/console/health', { cookie, 'x-request-id': 'look-test-500' });
    const html = await expectConsolePage(res, 500);
    expect(html).toContain('<code>look-test-500</code>');
    expect(html).not.toMatch(/console_sessions|relation|at .*\.ts/);
  });
});
