import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import {
  type ConsoleSandbox,
  describeViolations,
  linkInMail,
  type SentRequest,
  seriousViolations,
  signInByEmail,
  startConsoleSandbox,
} from '../helpers/console.ts';
import { waitFor } from '../helpers/service.ts';

/**
 * axe-core over every console page with something on it (a review item waiting, a company with requesters), the
 * sign-in page, and the customer's status page: no serious or critical violation. One service for the file.
 */

const MEMBER = 'po@acme.test';
let sandbox: ConsoleSandbox;
let browser: Browser;
let seed: Record<'dark' | 'darkTheme' | 'csv' | 'csvFiles', SentRequest>;
let statusPage: string;

beforeAll(async () => {
  if (chromiumMissing) return;
  sandbox = await startConsoleSandbox({
    members: [MEMBER],
    viewers: [],
    accounts: [{ sub: 'u-po', email: MEMBER, groups: ['product'] }],
  });
  browser = await launchChromium();
  const acme = { name: 'Acme', revenue: 120000, tier: 'enterprise' };
  seed = {
    dark: await sandbox.sendRequest({
      title: 'Dark mode',
      body: 'Our team works late and the white background is blinding.',
      email: 'ada@acme.io',
      company: acme,
    }),
    darkTheme: await sandbox.sendRequest({
      title: 'Please add a dark theme',
      body: 'Would love a dark theme, my eyes hurt at night.',
      email: 'bob@globex.io',
    }),
    csv: await sandbox.sendRequest({
      title: 'Export reports to CSV',
      body: 'Finance needs the monthly numbers in a spreadsheet.',
      email: 'cy@acme.io',
      company: acme,
    }),
    csvFiles: await sandbox.sendRequest({
      title: 'Export reports as CSV files',
      body: 'We want to download reports as CSV files and open them in Excel.',
      email: 'dee@initech.io',
    }),
  };
  // A merge mails the merged feature's requester a link to their status page.
  const merged = await sandbox.api(`/v1/features/${seed.csvFiles.featureId}/merge`, {
    method: 'POST',
    body: { into: seed.csv.featureId },
  });
  expect(merged.status, await merged.clone().text()).toBeLessThan(300);
  const [mail] = await waitFor('the merged mail to dee', async () => {
    const mails = sandbox.smtp.to('dee@initech.io');
    return mails.length > 0 ? mails : undefined;
  });
  statusPage = linkInMail(String(mail?.parsed.text ?? ''), /https?:\/\/\S+\/r\/[A-Za-z0-9_-]+/);
  await waitFor('a possible duplicate to review', async () => {
    const review = (await (await sandbox.api('/v1/review?limit=100')).json()) as {
      data: Array<{ feature: { id: string } }>;
    };
    return review.data.some((d) => d.feature.id === seed.darkTheme.featureId) ? true : undefined;
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** Scans the page the browser is on; returns the lines describing what failed. */
async function scan(page: Page, name: string): Promise<string> {
  expect(new URL(page.url()).pathname, `${name} did not load`).not.toBe('');
  return describeViolations(name, await seriousViolations(page));
}

describe.skipIf(chromiumMissing)(
  `axe-core on the console's pages${chromiumMissing ? ` (skipped: ${chromiumSkipReason})` : ''}`,
  () => {
    it('the scan reports what it should: an unlabelled field on a plain page is critical', async () => {
      const page = await browser.newPage();
      await page.setContent(
        '<!doctype html><html lang="en"><title>t</title><main><input type="text"></main></html>',
      );
      expect((await seriousViolations(page)).map((v) => v.id)).toContain('label');
      await page.close();
    });

    it('finds nothing serious or critical on any page', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems: string[] = [];

      await page.goto(`${sandbox.url}/console/features`);
      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
      problems.push(await scan(page, 'sign-in'));
      // The same page after asking for a link, with its message.
      await page
        .locator('form[action="/console/sign-in/email"]')
        .getByRole('textbox')
        .fill('nobody@elsewhere.test');
      await page.locator('form[action="/console/sign-in/email"]').getByRole('button').click();
      await page.waitForURL(/\/console\/sign-in\?/);
      expect(await page.getByRole('status').count()).toBe(1);
      problems.push(await scan(page, 'sign-in, link asked for'));
      await signInByEmail(page, sandbox, MEMBER, async (linkPage) => {
        problems.push(await scan(linkPage, 'emailed sign-in link'));
      });

      const pages: Array<[string, string, string]> = [
        ['features', '/console/features', 'Dark mode'],
        ['a feature', `/console/features/${seed.dark.featureId}`, 'Dark mode'],
        ['review', '/console/review', 'Please add a dark theme'],
        ['requesters', '/console/requesters?q=acme.io', 'ada@acme.io'],
        ['a requester', `/console/requesters/${seed.dark.requesterId}`, 'ada@acme.io'],
        ['a company', `/console/companies/${seed.dark.companyId}`, 'Acme'],
        ['health', '/console/health', 'Health'],
      ];
      for (const [name, path, shows] of pages) {
        const res = await page.goto(`${sandbox.url}${path}`);
        expect([name, res?.status()]).toEqual([name, 200]);
        // What the page is for is on it: a scan of an empty or error page would prove little.
        expect([name, await page.locator('main').textContent()]).toEqual([
          name,
          expect.stringContaining(shows),
        ]);
        problems.push(await scan(page, name));
      }

      const status = await page.goto(statusPage);
      expect(status?.status()).toBe(200);
      expect(await page.locator('h1').textContent()).toContain('Export reports to CSV');
      problems.push(await scan(page, 'customer status page'));

      await context.close();
      const found = problems.filter(Boolean).join('\n');
      if (found) console.error(found);
      expect(found).toBe('');
    });
  },
);
