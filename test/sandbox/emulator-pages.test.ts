import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LinearClient } from '@linear/sdk';
import { LinearWebhookClient } from '@linear/sdk/webhooks';
import { startJiraEmulator, startLinearEmulator } from '@suggested-sync/emulators';
import { createCloudClient } from 'jira.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { waitFor } from '../helpers/service.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * The emulator pages are how someone trying the sandbox plays product owner. Driven in headless Chromium: a status
 * change made on the page must fire a signed webhook.
 */

const screenshots = mkdtempSync(path.join(tmpdir(), 'ss-pages-'));
let browser: Browser;
beforeAll(async () => {
  if (!chromiumMissing) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(chromiumMissing)(
  `emulator pages in Chromium${chromiumMissing ? ` (skipped: ${chromiumSkipReason})` : ''}`,
  () => {
    it('Jira: moving an issue on the page fires a signed jira:issue_updated with the status change', async () => {
      const jira = await startJiraEmulator({ port: 0 });
      const receiver = await startWebhookReceiver();
      try {
        const client = createCloudClient({
          host: jira.url,
          auth: { type: 'basic', email: 'sandbox@example.com', apiToken: 'sandbox' },
          onSchemaMismatch: 'throw',
        });
        const created = await client.issues.createIssue({
          fields: { project: { key: 'SBX' }, issuetype: { name: 'Task' }, summary: 'Dark mode' },
        });
        const secret = 'page-test-secret-123';
        const hook = await fetch(`${jira.url}/rest/webhooks/1.0/webhook`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from('sandbox@example.com:sandbox').toString('base64')}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            name: 'page test',
            url: receiver.url,
            events: ['jira:issue_updated'],
            secret,
          }),
        });
        expect(hook.status).toBe(201);

        const page = await browser.newPage();
        await page.goto(`${jira.url}/`);
        expect(await page.getByRole('cell', { name: 'Dark mode' }).count()).toBe(1);
        await page.getByLabel(`Move ${created.key} to`).selectOption({ label: 'In Progress' });
        await page.getByRole('button', { name: `Move ${created.key}` }).click();
        await page.waitForURL(/\/\?flash=/);
        expect(await page.locator(`#issue-${created.key} .status`).textContent()).toBe('In Progress');
        await page.screenshot({ path: path.join(screenshots, 'jira.png'), fullPage: true });

        const [delivery] = await waitFor('the webhook', async () =>
          receiver.received.length > 0 ? receiver.received : undefined,
        );
        const expected = createHmac('sha256', secret)
          .update(delivery?.rawBody ?? '')
          .digest('hex');
        const signature = String(delivery?.headers['x-hub-signature']);
        expect(signature.startsWith('sha256=')).toBe(true);
        expect(timingSafeEqual(Buffer.from(signature.slice(7)), Buffer.from(expected))).toBe(true);
        const payload = JSON.parse(delivery?.rawBody ?? '{}') as {
          webhookEvent: string;
          issue: { key: string };
          changelog: { items: Array<{ field: string; toString: string }> };
        };
        expect(payload.webhookEvent).toBe('jira:issue_updated');
        expect(payload.issue.key).toBe(created.key);
        expect(payload.changelog.items).toContainEqual(
          expect.objectContaining({ field: 'status', toString: 'In Progress' }),
        );
        await page.close();
      } finally {
        await receiver.close();
        await jira.close();
      }
    });

    it('Linear: moving an issue on the page fires a signed Issue update with updatedFrom.stateId', async () => {
      const linear = await startLinearEmulator({ port: 0 });
      const receiver = await startWebhookReceiver();
      try {
        const client = new LinearClient({ apiKey: 'lin_api_sandbox', apiUrl: linear.apiUrl });
        const team = (await client.teams()).nodes[0];
        if (!team) throw new Error('no team');
        const created = await (await client.createIssue({ teamId: team.id, title: 'Dark mode' })).issue;
        if (!created) throw new Error('no issue');
        const secret = 'page-test-secret-456';
        await client.createWebhook({ url: receiver.url, teamId: team.id, resourceTypes: ['Issue'], secret });
        const before = (await created.state)?.id;

        const page = await browser.newPage();
        await page.goto(`${linear.url}/`);
        const move = page.getByLabel(`Move ${created.identifier} to`);
        await move.selectOption({ label: 'In Progress' });
        await page.locator('form', { has: move }).getByRole('button', { name: 'Move' }).click();
        await page.waitForURL(/\/\?done=/);
        await page.screenshot({ path: path.join(screenshots, 'linear.png'), fullPage: true });

        const [delivery] = await waitFor('the webhook', async () =>
          receiver.received.length > 0 ? receiver.received : undefined,
        );
        // The SDK's own verifier: signature over the raw body and the 60-second timestamp window.
        const verifier = new LinearWebhookClient(secret);
        const payload = verifier.parseData(
          Buffer.from(delivery?.rawBody ?? ''),
          String(delivery?.headers['linear-signature']),
        ) as unknown as {
          action: string;
          type: string;
          data: { id: string; state: { name: string } };
          updatedFrom: { stateId?: string };
        };
        expect(payload).toMatchObject({
          action: 'update',
          type: 'Issue',
          data: { id: created.id, state: { name: 'In Progress' } },
        });
        expect(payload.updatedFrom.stateId).toBe(before);
        expect(delivery?.headers['linear-delivery']).toMatch(/^[0-9a-f-]{36}$/);
        await page.close();
      } finally {
        await receiver.close();
        await linear.close();
      }
    });

    it('Jira: the description and web links show as links, and only http(s) ones', async () => {
      const jira = await startJiraEmulator({ port: 0 });
      try {
        const client = createCloudClient({
          host: jira.url,
          auth: { type: 'basic', email: 'sandbox@example.com', apiToken: 'sandbox' },
          onSchemaMismatch: 'throw',
        });
        const text = (t: string, href?: string) => ({
          type: 'text',
          text: t,
          ...(href ? { marks: [{ type: 'link', attrs: { href } }] } : {}),
        });
        const created = await client.issues.createIssue({
          fields: {
            project: { key: 'SBX' },
            issuetype: { name: 'Task' },
            summary: 'Dark mode',
            description: {
              type: 'doc',
              version: 1,
              content: [
                { type: 'heading', attrs: { level: 3 }, content: [text('Customer demand')] },
                { type: 'paragraph', content: [text('<b>2 requests</b>')] },
                {
                  type: 'paragraph',
                  content: [text('Open the feature', 'https://ss.example/console/features/f_1')],
                },
                { type: 'paragraph', content: [text('Run this', 'javascript:alert(1)')] },
              ],
            },
          },
        });
        await client.issueRemoteLinks.createOrUpdateRemoteIssueLink({
          issueIdOrKey: created.key,
          object: { url: 'https://ss.example/console/features/f_1', title: 'Feature: Dark mode' },
        });

        const page = await browser.newPage();
        await page.goto(`${jira.url}/`);
        const row = page.locator(`#issue-${created.key}`);
        expect(await row.getByRole('heading', { name: 'Customer demand' }).count()).toBe(1);
        expect(await row.getByText('<b>2 requests</b>').count()).toBe(1);
        expect(await row.getByRole('link', { name: 'Open the feature' }).getAttribute('href')).toBe(
          'https://ss.example/console/features/f_1',
        );
        expect(await row.getByRole('link', { name: 'Feature: Dark mode' }).getAttribute('href')).toBe(
          'https://ss.example/console/features/f_1',
        );
        expect(await row.getByText('Run this').count()).toBe(1);
        expect(await row.getByRole('link', { name: 'Run this' }).count()).toBe(0);
        await page.close();
      } finally {
        await jira.close();
      }
    });

    it('Linear: the markdown description and attachments show as links, and only http(s) ones', async () => {
      const linear = await startLinearEmulator({ port: 0 });
      try {
        const client = new LinearClient({ apiKey: 'lin_api_sandbox', apiUrl: linear.apiUrl });
        const team = (await client.teams()).nodes[0];
        if (!team) throw new Error('no team');
        const description = [
          '### Customer demand',
          '**2 requests** from <script>alert(1)</script>',
          '[Open the feature](https://ss.example/console/features/f_1)',
          '[Run this](javascript:alert(1))',
        ].join('\n\n');
        const created = await (await client.createIssue({ teamId: team.id, title: 'Dark mode', description }))
          .issue;
        if (!created) throw new Error('no issue');
        await client.createAttachment({
          issueId: created.id,
          url: 'https://ss.example/console/features/f_1',
          title: 'Suggested Sync feature',
        });

        const page = await browser.newPage();
        await page.goto(created.url);
        const row = page.locator(`[id="${created.identifier}"]`);
        expect(await row.getByRole('heading', { name: 'Customer demand' }).count()).toBe(1);
        expect(await row.locator('strong').textContent()).toBe('2 requests');
        expect(await row.getByText('<script>alert(1)</script>', { exact: false }).count()).toBe(1);
        expect(await row.getByRole('link', { name: 'Open the feature' }).getAttribute('href')).toBe(
          'https://ss.example/console/features/f_1',
        );
        expect(await row.getByRole('link', { name: 'Suggested Sync feature' }).getAttribute('href')).toBe(
          'https://ss.example/console/features/f_1',
        );
        expect(await row.getByText('Run this').count()).toBe(1);
        expect(await row.getByRole('link', { name: 'Run this' }).count()).toBe(0);
        await page.close();
      } finally {
        await linear.close();
      }
    });
  },
);
