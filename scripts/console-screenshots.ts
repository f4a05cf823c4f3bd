/**
 * `npm run screenshots`: the console's pages as pictures for the README. Starts `suggested-sync start` in sandbox
 * mode on a fresh data directory, sends the sample requests (customers asking for the same things in their own
 * words), signs in with the local development sign-in, and writes docs/screenshots/<page>.png at 1280x800.
 * Needs Redis (REDIS_URL, default redis://127.0.0.1:6379) and Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { freePort } from '../support/private-redis.ts';
import { REWORDED_REQUESTS } from '../support/reworded-requests.ts';
import { launchChromium } from '../test/helpers/browser.ts';
import { spawnCli, waitReady } from '../test/helpers/process.ts';
import { waitFor } from '../test/helpers/service.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT = path.join(ROOT, 'docs', 'screenshots');
const COMPANIES = [
  { name: 'Acme', revenue: 240_000, tier: 'enterprise' },
  { name: 'Globex', revenue: 60_000, tier: 'growth' },
  { name: 'Initech', revenue: 12_000, tier: 'starter' },
  { name: 'Umbrella', revenue: 180_000, tier: 'enterprise' },
];
/** Five people, each at one company: each asks for several things. */
const PEOPLE = ['ada', 'bob', 'cy', 'dee', 'eve'];

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ss-screenshots-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const apiKey = `screenshots-${Date.now()}-key`;
  const configFile = path.join(dataDir, 'screenshots.yaml');
  writeFileSync(configFile, 'intake:\n  rateLimit: { requests: 100000 }\npush:\n  coalesceSeconds: 0.2\n');
  const service = spawnCli(['start'], {
    PORT: String(port),
    PUBLIC_URL: url,
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `shots${Date.now()}`,
    DATA_DIR: dataDir,
    CONFIG_FILE: configFile,
    API_KEYS: apiKey,
    LOG_LEVEL: 'warn',
  });
  const browser = await launchChromium();
  try {
    await waitReady(service, port, 180_000);
    const firstFeature = await sendSamples(url, apiKey);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    mkdirSync(OUT, { recursive: true });
    const shoot = (name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`) });

    await page.goto(`${url}/console/sign-in`);
    await shoot('sign-in');
    await page.locator('form[action="/console/sign-in/local"] button').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/console/sign-in'));

    await visit(page, `${url}/console/features`);
    await shoot('features');
    await visit(page, `${url}/console/features/${firstFeature.featureId}`);
    await shoot('feature');
    await visit(page, `${url}/console/review`);
    await shoot('review');
    await visit(page, `${url}/console/requesters/${firstFeature.requesterId}`);
    await shoot('requester');
    await visit(page, `${url}/console/health`);
    await shoot('health');
    process.stdout.write(`Wrote sign-in, features, feature, review, requester and health to ${OUT}\n`);
  } finally {
    await browser.close();
    service.child.kill('SIGTERM');
    await service.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function visit(page: Page, to: string): Promise<void> {
  const res = await page.goto(to);
  if (res?.status() !== 200) throw new Error(`${to} answered ${res?.status()}`);
}

/**
 * Sends the sample requests, each triaged before the next, then answers the review for the first need only (its
 * duplicates merged), so one feature gathers several requests and the review page still has questions on it.
 * Returns that feature and the first requester.
 */
async function sendSamples(url: string, apiKey: string): Promise<{ featureId: string; requesterId: string }> {
  const api = async (p: string, body?: unknown) => {
    const res = await fetch(`${url}${p}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${p} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const needOfFeature = new Map<string, string>();
  let first: { featureId: string; requesterId: string; need: string } | undefined;
  for (const [n, r] of REWORDED_REQUESTS.entries()) {
    const who = n % PEOPLE.length;
    const company = COMPANIES[who % COMPANIES.length];
    const { id } = (await api('/v1/requests', {
      title: r.title,
      body: r.body,
      requester: { email: `${PEOPLE[who]}@${company?.name.toLowerCase()}.example`, company },
      tags: n % 3 === 0 ? ['jira'] : [],
    })) as { id: string };
    const view = await waitFor(`sample request ${n} triaged`, async () => {
      const seen = (await api(`/v1/requests/${id}`)) as {
        feature: { id: string } | null;
        requester: { id: string };
      };
      return seen.feature ? seen : undefined;
    });
    const featureId = view.feature?.id ?? '';
    needOfFeature.set(featureId, r.need);
    first ??= { featureId, requesterId: view.requester.id, need: r.need };
  }
  if (!first) throw new Error('no sample requests');
  const review = (await api('/v1/review?limit=100')) as {
    data: Array<{ feature: { id: string }; possibleDuplicateOf: { id: string } }>;
  };
  for (const item of review.data) {
    const [mine, theirs] = [
      needOfFeature.get(item.feature.id),
      needOfFeature.get(item.possibleDuplicateOf.id),
    ];
    if (mine === first.need && theirs === first.need && item.possibleDuplicateOf.id === first.featureId)
      await api(`/v1/features/${item.feature.id}/merge`, { into: first.featureId });
  }
  return first;
}

await main();
