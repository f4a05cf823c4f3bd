import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleSession, signIn } from './helpers/console-session.ts';
import { startPrivateRedis } from './helpers/redis.ts';
import { type RefusedLinear, startServiceWithRevokedLinearKey } from './helpers/refused-tracker.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * The console's Health page over HTTP, signed in with a session from the database: trackers, queues, schedules,
 * the database and Redis in words, each problem with what to do.
 */

async function healthPage(session: ConsoleSession): Promise<string> {
  const res = await fetch(`${session.url}/console/health`, {
    headers: { cookie: session.cookie },
    redirect: 'manual',
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  return res.text();
}

/** The cells of the table row whose header cell reads `name`, as text. */
function rowCells(html: string, name: string): string[] {
  const at = html.indexOf(`<th scope="row">${name}`);
  expect(at, `a row for ${name}`).toBeGreaterThan(-1);
  const row = html.slice(at, html.indexOf('</tr>', at));
  return [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
    (m[1] ?? '').replace(/<[^>]+>/g, '').trim(),
  );
}

/** The card of one tracker (from its heading to the end of its section). */
function trackerCard(html: string, id: string): string {
  const at = html.indexOf(`id="${id}"`);
  expect(at, `a card for ${id}`).toBeGreaterThan(-1);
  return html.slice(at, html.indexOf('</section>', at));
}

describe('health of the sandbox', () => {
  // A Redis of its own: the last test pauses every client of the server (CLIENT PAUSE), which no other test may share.
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let svc: TestService;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    // A long redrive interval: a schedule removed below stays missing while the page is read.
    svc = await startService({ redisUrl: redis.url, yaml: 'reconcile: { intervalSeconds: 3600 }' });
  });
  afterAll(async () => {
    await svc?.stop();
    await redis?.stop();
  });

  it('shows each tracker OK, the queue counts, the schedules and the dependencies', async () => {
    const session = await signIn(svc, 'viewer');
    // Two status emails due in an hour: delayed jobs in the notify queue that no worker takes meanwhile.
    for (let i = 0; i < 2; i++)
      await svc.runtime.queues.enqueue(
        'notify-send',
        { notificationId: randomUUID() },
        { delayMs: 3_600_000 },
      );

    const html = await healthPage(session);
    expect(html).toContain('<h1>Health</h1>');
    for (const id of ['tracker-jira-sandbox', 'tracker-linear-sandbox']) {
      const card = trackerCard(html, id);
      expect(card).toContain('<span class="status health-ok">OK</span>');
      expect(card).toContain('Takes our credentials.');
      expect(card).not.toContain('health-problem');
    }
    expect(html).toContain('Jira site sandbox');
    expect(html).toContain('Linear workspace sandbox');

    const [meaning, waiting, running, delayed, failed] = rowCells(html, 'notify');
    expect(meaning).toBe('Status emails to requesters.');
    expect([waiting, running, delayed, failed]).toEqual(['0', '0', '2', '0']);
    expect(rowCells(html, 'tracker-linear-sandbox')[0]).toContain('Linear workspace sandbox');

    expect(rowCells(html, 'rescore-features')).toEqual([
      'Rescoring every feature (recency, revenue, tiers).',
      'OK\nPresent.',
    ]);
    expect(html).toMatch(/<dt>Database<\/dt>\s*<dd><span class="status health-ok">OK<\/span>\s*Reachable\./);
    expect(html).toMatch(/<dt>Redis<\/dt>\s*<dd><span class="status health-ok">OK<\/span>\s*Reachable\./);
    expect(html).toContain('Everything works: nothing below needs you.');
  });

  it('names a schedule missing from Redis, with what to do', async () => {
    const session = await signIn(svc, 'viewer');
    await svc.runtime.queues.queue('triage').removeJobScheduler('rescore-features');
    const html = await healthPage(session);
    const [, state] = rowCells(html, 'rescore-features');
    expect(state).toContain('Problem');
    expect(state).toContain('Missing from Redis');
    expect(state).toContain('What to do:');
    expect(html).toContain('<a href="#schedules">Schedule rescore-features</a>');
    expect(html).not.toContain('Everything works');
  });

  it('sends a visitor without a session to sign in', async () => {
    const res = await fetch(`${svc.url}/console/health`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/sign-in?next=%2Fconsole%2Fhealth');
  });

  it('answers while Redis does not, with Redis named as the problem', async () => {
    const session = await signIn(svc, 'viewer');
    const admin = new Redis(redis.url);
    try {
      // Longer than the page waits for any read, short enough for the service to stop cleanly after.
      await admin.call('CLIENT', 'PAUSE', '5000', 'ALL');
      const html = await healthPage(session);
      expect(html).toMatch(/<dt>Redis<\/dt>\s*<dd><span class="status health-problem">Problem<\/span>/);
      expect(html).toContain('Start Redis or check REDIS_URL.');
      expect(html).toMatch(/<dt>Database<\/dt>\s*<dd><span class="status health-ok">OK<\/span>/);
      // Each queue says it could not be read, instead of the page failing.
      expect(rowCells(html, 'triage').slice(1, 5)).toEqual(['-', '-', '-', '-']);
      expect(rowCells(html, 'triage')[5]).toContain('Could not be read: Redis did not answer.');
      expect(trackerCard(html, 'tracker-jira-sandbox')).toContain('is not known: Redis did not answer');
    } finally {
      admin.disconnect();
    }
  });
});

describe('health of a tracker that refuses our credentials', () => {
  let svc: TestService;
  let refused: RefusedLinear | undefined;
  beforeAll(async () => {
    refused = await startServiceWithRevokedLinearKey();
    svc = refused.svc;
  });
  afterAll(async () => {
    await refused?.stop();
  });

  it('shows the refusal, the failing push and its feature, and what to do', async () => {
    const res = await svc.post('/v1/requests', validRequest({ title: 'Dark mode for reports' }));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const featureId = await svc.featureOf(id);
    await waitFor('the push refused', async () => {
      const [link] = await svc.runtime.store.links.forFeature(featureId);
      return link?.lastErrorKind === 'auth' ? link : undefined;
    });
    const session = await signIn(svc, 'viewer');
    const html = await waitFor('the tracker reported unhealthy', async () => {
      const page = await healthPage(session);
      return page.includes('Refuses our credentials') ? page : undefined;
    });
    const card = trackerCard(html, 'tracker-linear-default');
    expect(card).toContain('Linear workspace default <span class="status health-problem">Problem</span>');
    expect(card).toContain(
      'The Linear API key was refused: create a new personal API key (Linear settings, Security &amp; access) and set LINEAR_API_KEY, then restart.',
    );
    expect(card).toMatch(/Reason given: linear refused the credentials/i);
    expect(card).toContain('1 issue failed to push; the latest because the tracker refused our credentials.');
    expect(card).toContain(`<a href="/console/features/${featureId}">Dark mode for reports</a>`);
    expect(card).toContain('not created yet');
    // Listed at the top too, with a link to the card.
    expect(html).toContain('<a href="#tracker-linear-default">Linear workspace default</a>');
  });
});
