import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, chromiumSkipReason, launchChromium } from '../helpers/browser.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { spawnCli, waitReady } from '../helpers/process.ts';
import { freePort, freshPrefix, sharedRedisUrl } from '../helpers/redis.ts';
import { waitFor } from '../helpers/service.ts';

/**
 * What someone trying the service does first, end to end: `npm start` (sandbox mode, a real process), one request
 * through the API, the issue on the Linear emulator's page; moving it there, in Chromium, changes the feature's
 * status in the API.
 */

describe.skipIf(chromiumMissing)(
  `sandbox end to end in Chromium${chromiumMissing ? ` (skipped: ${chromiumSkipReason})` : ''}`,
  () => {
    it('npm start, POST a request, see it on the Linear page, move it there: the feature follows', async () => {
      const database = await createTestDatabase('pglite');
      const port = await freePort();
      const apiKey = `e2e-key-${Date.now()}-abcdef`;
      const proc = spawnCli(['start'], {
        PORT: String(port),
        REDIS_URL: sharedRedisUrl,
        QUEUE_PREFIX: freshPrefix('e2e'),
        DATA_DIR: database.dataDir,
        API_KEYS: apiKey,
      });
      const browser = await launchChromium();
      const api = (p: string, init: RequestInit = {}) =>
        fetch(`http://127.0.0.1:${port}${p}`, {
          ...init,
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        });
      try {
        await waitReady(proc, port);
        const linearPage = /play product owner at (http:\/\/127\.0\.0\.1:\d+\/)\)/.exec(
          proc
            .stderr()
            .split('\n')
            .find((l) => l.includes('Linear emulator')) ?? '',
        )?.[1];
        expect(linearPage).toBeDefined();

        const res = await api('/v1/requests', {
          method: 'POST',
          body: JSON.stringify({
            title: 'Keyboard shortcuts',
            body: 'Power users want to fly.',
            requester: { email: 'kim@acme.io', company: { name: 'Acme', revenue: 50000 } },
          }),
        });
        expect(res.status).toBe(202);
        const { id } = (await res.json()) as { id: string };
        const feature = await waitFor(
          'the issue made',
          async () => {
            const request = (await (await api(`/v1/requests/${id}`)).json()) as {
              feature: { id: string } | null;
            };
            if (!request.feature) return undefined;
            const view = (await (await api(`/v1/features/${request.feature.id}`)).json()) as {
              id: string;
              status: string;
              links: Array<{ issueKey: string | null; state: string }>;
            };
            return view.links[0]?.state === 'linked' && view.links[0].issueKey ? view : undefined;
            // The issue is created one push window (30 s by default) after the first request.
          },
          60_000,
        );
        const issueKey = feature.links[0]?.issueKey ?? '';

        const page = await browser.newPage();
        await page.goto(linearPage ?? '');
        expect(await page.getByText('Keyboard shortcuts').count()).toBeGreaterThan(0);
        const move = page.getByLabel(`Move ${issueKey} to`);
        await move.selectOption({ label: 'In Progress' });
        await page.locator('form', { has: move }).getByRole('button', { name: 'Move' }).click();
        await page.waitForURL(/\/\?done=/);
        await page.screenshot({
          path: path.join(mkdtempSync(path.join(tmpdir(), 'ss-e2e-')), 'linear-moved.png'),
          fullPage: true,
        });

        const moved = await waitFor('the feature to follow', async () => {
          const view = (await (await api(`/v1/features/${feature.id}`)).json()) as {
            status: string;
            statusHistory: Array<{ to: string; cause: string }>;
          };
          return view.status === 'in_progress' ? view : undefined;
        });
        expect(moved.statusHistory.at(-1)).toMatchObject({ to: 'in_progress', cause: 'tracker' });
        await page.close();
        proc.child.kill('SIGTERM');
        expect((await proc.exited).code).toBe(0);
      } finally {
        await browser.close();
        if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
        await database.drop();
      }
    }, 180_000);
  },
);
