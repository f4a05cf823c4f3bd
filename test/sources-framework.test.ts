import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceChecks } from '../src/cli/doctor.ts';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { createSchedules, wantedSchedules } from '../src/queue/schedules.ts';
import { removeStaleSourcePulls } from '../src/queue/source-schedules.ts';
import { requests } from '../src/store/schema.ts';
import { type FakeIntercom, intercomConversation, startFakeIntercom } from './fakes/intercom.ts';
import { type FakeZendesk, startFakeZendesk, zendeskTicket } from './fakes/zendesk.ts';
import { startIntakeHarness } from './helpers/intake.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';

describe('sources: configuration', () => {
  const load = (yaml: string, env: Record<string, string> = {}) => {
    try {
      loadConfig({ env: { NODE_ENV: 'test', CONFIG_FILE: 'c.yaml', ...env }, readFile: () => yaml });
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };

  it('lists a missing credential variable, a duplicate id and a bad kind with the other problems', () => {
    const yaml = `
sources:
  - { id: zd, kind: zendesk, subdomain: acme, email: a@acme.io, tokenEnv: ZD_TOKEN, tag: fr }
  - { id: zd, kind: intercom, tokenEnv: IC_TOKEN, tagId: t1, adminId: '1' }
  - { id: other, kind: freshdesk }
`;
    const problems = load(yaml, { IC_TOKEN: 'x' });
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^CONFIG_FILE sources\[2\]\.kind: /)]),
    );
    const fixed = load(yaml.replace('  - { id: other, kind: freshdesk }\n', ''), { IC_TOKEN: 'x' });
    expect(fixed).toEqual([
      'CONFIG_FILE sources[0].tokenEnv: environment variable ZD_TOKEN is not set',
      'CONFIG_FILE sources: id "zd" is configured twice (each source needs its own id)',
    ]);
  });

  it('needs a filter and an address for Zendesk', () => {
    const problems = load('sources:\n  - { id: zd, kind: zendesk, email: a@acme.io, tokenEnv: ZD_TOKEN }\n', {
      ZD_TOKEN: 'x',
    });
    expect(problems).toEqual([
      'CONFIG_FILE sources[0].subdomain: expected subdomain (or baseUrl)',
      'CONFIG_FILE sources[0].tag: expected tag or formId: which tickets are feature requests',
    ]);
  });
});

describe('sources: schedules', () => {
  it('keeps one pull schedule per configured source and removes those of sources no longer configured', async () => {
    const intake = await startIntakeHarness(
      [
        { id: 'zd', kind: 'zendesk', subdomain: 'acme', email: 'a@acme.io', tokenEnv: 'T', tag: 'fr' },
        {
          id: 'ic',
          kind: 'intercom',
          tokenEnv: 'T',
          tagId: 't',
          adminId: '1',
          schedule: { everySeconds: 60 },
        },
        { id: 'off', kind: 'intercom', tokenEnv: 'T', tagId: 't', adminId: '1', enabled: false },
      ],
      { T: 'token' },
    );
    try {
      // A source removed from the configuration since the last start.
      await intake.queues.schedule('source-pull', { sourceId: 'gone' }, 60_000);
      // What a worker process does at start (runtime.ts): every wanted schedule upserted, then the stale removed.
      const config = loadConfig({ env: { NODE_ENV: 'test' } });
      const wanted = wantedSchedules({
        queues: intake.queues,
        config,
        trackerSites: [],
        sources: intake.sources,
      });
      await createSchedules({ wanted, log: intake.log }).ensure({ all: true });
      await removeStaleSourcePulls(intake.queues, intake.sources, intake.log);
      const schedulers = await intake.queues.queue('intake').getJobSchedulers();
      expect(schedulers.map((s) => [s.id ?? s.key, s.every]).sort()).toEqual([
        ['source-pull-ic', 60_000],
        ['source-pull-zd', 300_000],
      ]);
    } finally {
      await intake.close();
    }
  }, 60_000);
});

describe('sources: in the running service', () => {
  const ZD = 'zd-token';
  const IC = 'ic-token';
  const HOOK = 'ic-client-secret';
  let zendesk: FakeZendesk;
  let intercom: FakeIntercom;
  let service: TestService;

  beforeAll(async () => {
    zendesk = await startFakeZendesk({ email: 'agent@acme.io', token: ZD });
    intercom = await startFakeIntercom({ token: IC });
    zendesk.users.push({ id: 101, name: 'Ada', email: 'ada@globex.com' });
    zendesk.users.push({ id: 102, name: 'Bob', email: 'bob@initech.com' });
    zendesk.tickets.push(zendeskTicket(1, { subject: 'Dark mode for the dashboard', requester_id: 101 }));
    zendesk.tickets.push(zendeskTicket(2, { subject: 'Export invoices to CSV', requester_id: 102 }));
    intercom.contacts.push({ id: 'u9', email: 'cy@hooli.xyz', name: 'Cy' });
    const yaml = `
sources:
  - id: zd
    kind: zendesk
    baseUrl: ${zendesk.url}
    email: agent@acme.io
    tokenEnv: ZD_TOKEN
    tag: feature_request
    schedule: { everySeconds: 1 }
  - id: ic
    kind: intercom
    baseUrl: ${intercom.url}
    tokenEnv: IC_TOKEN
    tagId: tag-fr
    adminId: '991'
    webhookSecretEnv: IC_HOOK
    schedule: { everySeconds: 1 }
  - id: ic-bad
    kind: intercom
    baseUrl: ${intercom.url}
    tokenEnv: IC_BAD_TOKEN
    tagId: tag-fr
    adminId: '991'
    schedule: { everySeconds: 1 }
`;
    service = await startService({
      yaml,
      env: { ZD_TOKEN: ZD, IC_TOKEN: IC, IC_BAD_TOKEN: 'revoked', IC_HOOK: HOOK },
    });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
    await zendesk?.close();
    await intercom?.close();
  });

  const rowsOf = (source: string) =>
    service.runtime.store.db.select().from(requests).where(eq(requests.source, source));

  it('pulls on schedule and the pulled requests are triaged into features', async () => {
    const rows = await waitFor('both Zendesk tickets stored', async () => {
      const r = await rowsOf('zd');
      return r.length === 2 ? r : undefined;
    });
    for (const row of rows) {
      const featureId = await service.featureOf(row.id);
      const res = await service.get(`/v1/features/${featureId}`);
      expect(res.status).toBe(200);
    }
    const view = (await (await service.get(`/v1/requests/${rows[0]?.id}`)).json()) as {
      requester: { email: string };
    };
    expect(['ada@globex.com', 'bob@initech.com']).toContain(view.requester.email);
  });

  it('reports a source with refused credentials in /readyz, metrics and doctor, the others unaffected', async () => {
    const body = await waitFor('ic-bad reported unhealthy', async () => {
      const res = await fetch(`${service.url}/readyz`);
      const b = (await res.json()) as { status: string; sources?: Record<string, string> };
      return b.sources?.['ic-bad']?.startsWith('unhealthy') && b.sources['zd'] === 'ok' ? b : undefined;
    });
    expect(body.status).toBe('degraded');
    expect(body.sources?.['ic-bad']).toContain('refused the credentials');
    expect(body.sources?.['ic']).toBe('ok');
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toContain('suggested_sync_source_healthy{source="ic-bad"} 0');
    expect(metrics).toMatch(/suggested_sync_source_pull_failures_total\{source="ic-bad",kind="auth"\} [1-9]/);

    const checks = await sourceChecks(service.config);
    expect(checks).toEqual([
      { name: 'source zd (zendesk)', ok: true, detail: 'credentials accepted' },
      { name: 'source ic (intercom)', ok: true, detail: 'credentials accepted' },
      {
        name: 'source ic-bad (intercom)',
        ok: false,
        detail: expect.stringContaining('refused the credentials'),
      },
    ]);
  });

  it('takes a signed Intercom webhook like a pulled page, and refuses a bad signature storing nothing', async () => {
    const notification = JSON.stringify({
      type: 'notification_event',
      topic: 'conversation_part.tag.created',
      data: { type: 'notification_event_data', item: intercomConversation(9) },
    });
    const post = (signature: string) =>
      fetch(`${service.url}/webhooks/sources/ic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature': signature },
        body: notification,
      });

    const forged = await post(
      `sha1=${createHmac('sha1', 'not-the-secret').update(notification).digest('hex')}`,
    );
    expect(forged.status).toBe(401);
    expect(await rowsOf('ic')).toHaveLength(0);

    const signed = `sha1=${createHmac('sha1', HOOK).update(notification).digest('hex')}`;
    const res = await post(signed);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'accepted', created: 1, replayed: 0, rejected: 0 });
    const [row] = await rowsOf('ic');
    expect(row).toMatchObject({ sourceRef: 'c9', sourceThread: { conversationId: 'c9' } });
    expect(row?.submittedRequester.email).toBe('cy@hooli.xyz');
    await service.featureOf(row?.id ?? '');
    // A redelivery stores nothing new.
    expect(await (await post(signed)).json()).toMatchObject({ created: 0, replayed: 1 });
    // The cursor is the pulls' alone.
    expect((await service.runtime.store.intake.get('ic'))?.cursor ?? null).not.toContain('c9');
  });
});
