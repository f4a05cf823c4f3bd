import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devMail } from '../../src/store/schema.ts';
import { chromiumMissing, chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { startService, waitFor } from '../helpers/service.ts';

/**
 * Sandbox mode without SMTP_URL, as someone trying the service runs it: a request through the API, its issue moved
 * to Done on the Linear emulator's page in Chromium, and the "shipped" email shows up in the dev outbox at /dev/mail,
 * its HTML part shown in a sandboxed frame.
 */

const artifacts = path.resolve(process.env['TEST_ARTIFACTS_DIR'] ?? 'test-results', 'dev-mail');

describe.skipIf(chromiumMissing)(
  `sandbox: status mail to the dev outbox${chromiumMissing ? ` (skipped: ${chromiumSkipReason})` : ''}`,
  () => {
    it('request → issue moved to Done on the Linear page → the message is listed at /dev/mail', async () => {
      mkdirSync(artifacts, { recursive: true });
      const svc = await startService({
        env: { NOTIFY_COALESCE_SECONDS: '0' },
        yaml: ['push:', '  coalesceSeconds: 1', 'notifications:', '  productName: Sandbox Co'].join('\n'),
      });
      const browser = await launchChromium();
      try {
        expect(svc.config.mail.smtpUrl).toBeUndefined();
        const empty = await fetch(`${svc.url}/dev/mail`);
        expect(empty.status).toBe(200);
        expect(await empty.text()).toContain('No messages yet');

        const res = await svc.post('/v1/requests', {
          title: 'Offline <mode>',
          body: 'We work on trains.',
          requester: { email: 'kim@acme.io', name: 'Kim' },
        });
        expect(res.status).toBe(202);
        const { id } = (await res.json()) as { id: string };
        const featureId = await svc.featureOf(id);
        const link = await waitFor('the Linear issue', async () => {
          const [l] = await svc.runtime.store.links.forFeature(featureId);
          return l?.state === 'linked' && l.issueKey && !l.dirtySince ? l : undefined;
        });

        const page = await browser.newPage();
        await page.goto(`${svc.emulators().linear.url}/`);
        const move = page.getByLabel(`Move ${link.issueKey} to`);
        await move.selectOption({ label: 'Done' });
        await page.locator('form', { has: move }).getByRole('button', { name: 'Move' }).click();
        await page.waitForURL(/\/\?done=/);

        const subject = 'Sandbox Co: your request “Offline <mode>” has shipped — you can use it now';
        const listing = await waitFor(
          'the message in the dev outbox',
          async () => {
            const html = await (await fetch(`${svc.url}/dev/mail`)).text();
            return html.includes('Offline &lt;mode&gt;') ? html : undefined;
          },
          60_000,
        );
        expect(listing).toContain('kim@acme.io');
        expect(listing).not.toContain('<mode>');

        await page.goto(`${svc.url}/dev/mail`);
        await page.getByRole('link', { name: subject }).click();
        await page.waitForURL(/\/dev\/mail\/[0-9a-f-]{36}$/);
        expect(await page.locator('h1').textContent()).toBe(subject);
        const headers = await page.getByRole('table', { name: 'Headers' }).textContent();
        expect(headers).toContain('kim@acme.io');
        expect(headers).toContain(subject);
        expect(headers).toContain('List-Unsubscribe=One-Click');
        const frame = page.locator('iframe');
        expect(await frame.getAttribute('sandbox')).toBe('');
        const inside = page.frameLocator('iframe');
        expect(await inside.locator('h1').textContent()).toBe(
          '“Offline <mode>” has shipped — you can use it now',
        );
        expect(await page.locator('pre').textContent()).toContain('> We work on trains.');
        await page.screenshot({ path: path.join(artifacts, 'dev-mail-message.png'), fullPage: true });

        // A hostile message in the outbox cannot run in the viewer: the frame is sandboxed and the CSP loads nothing.
        const [row] = await svc.runtime.store.db
          .insert(devMail)
          .values({
            messageId: '<hostile@test>',
            to: 'x@example.com',
            subject: 'hostile',
            raw: [
              'From: a@example.com',
              'To: x@example.com',
              'Subject: hostile',
              'Content-Type: text/html; charset=utf-8',
              '',
              '<p id="x">hi</p><script>alert("script ran")</script><img src="x" onerror="alert(\'handler ran\')">',
            ].join('\r\n'),
          })
          .returning({ id: devMail.id });
        const dialogs: string[] = [];
        page.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        await page.goto(`${svc.url}/dev/mail/${row?.id}`);
        expect(await page.frameLocator('iframe').locator('#x').textContent()).toBe('hi');
        expect(dialogs).toEqual([]);
      } finally {
        await browser.close();
        await svc.stop();
      }
    });
  },
);
