import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, chromiumSkipReason, launchChromium } from './helpers/browser.ts';
import { describeViolations, seriousViolations } from './helpers/console.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';
import { type SmtpTestServer, startSmtpServer } from './helpers/smtp.ts';

/**
 * The sign-in pages in Chromium: what a browser sends (Sec-Fetch-Site, not an Origin this test sets) is taken, each
 * page passes axe-core with nothing serious or critical, and a used link says so in words.
 */

let svc: TestService;
let smtp: SmtpTestServer;
let browser: Browser | undefined;

beforeAll(async () => {
  if (chromiumMissing) return;
  smtp = await startSmtpServer();
  svc = await startService({
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Acme <console@acme.test>' },
    yaml: ['console:', '  members: [ada@acme.io]'].join('\n'),
  });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await smtp?.close();
});

async function freshPage(): Promise<Page> {
  if (!browser) throw new Error('no browser');
  return (await browser.newContext()).newPage();
}

async function expectAccessible(page: Page, where: string) {
  const violations = await seriousViolations(page);
  expect(violations, describeViolations(where, violations)).toEqual([]);
}

const signedInAs = async (page: Page) =>
  (await page.context().cookies()).find((c) => c.name === 'ss_session')?.value;

describe.skipIf(chromiumMissing)(
  `the sign-in pages in Chromium${chromiumMissing ? ` (skipped: ${chromiumSkipReason})` : ''}`,
  () => {
    it('an emailed link: asked for, opened, pressed once, refused the second time', async () => {
      const page = await freshPage();
      await page.goto(`${svc.url}/console/sign-in?next=${encodeURIComponent('/console/review')}`);
      await expectAccessible(page, 'sign-in');
      await page.getByLabel('Email address').fill('ada@acme.io');
      await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await expect.poll(() => page.locator('[role=status]').textContent()).toContain('a link is on its way');
      await expectAccessible(page, 'sign-in, link sent');

      const mails = await waitFor('the sign-in mail', async () =>
        smtp.messages.length ? smtp.messages : undefined,
      );
      const sent = /https?:\/\/\S+\/console\/sign-in\/email\/[A-Za-z0-9_-]{43}/.exec(
        String(mails[0]?.parsed.text),
      );
      const link = `${svc.url}${new URL(sent?.[0] ?? '').pathname}`;
      await page.goto(link);
      await expectAccessible(page, 'the link');
      expect(await signedInAs(page)).toBeUndefined();
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/console/sign-in'));
      expect(await signedInAs(page)).toBeDefined();

      const other = await freshPage();
      const again = await other.goto(link);
      expect(again?.status()).toBe(410);
      expect(await other.getByRole('alert').textContent()).toContain('already been used');
      await expectAccessible(other, 'a used link');
    });

    it('local sign-in from the page, back to the page asked for', async () => {
      const page = await freshPage();
      await page.goto(`${svc.url}/console/sign-in?next=${encodeURIComponent('/console/health')}`);
      await page.getByRole('button', { name: 'Sign in as developer@localhost' }).click();
      await page.waitForURL((u) => u.pathname === '/console/health');
      expect(await signedInAs(page)).toBeDefined();
    });
  },
);
