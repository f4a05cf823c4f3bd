import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.stop();
});

describe('operations endpoints', () => {
  it('/healthz and /readyz answer without a key', async () => {
    const health = await fetch(`${svc.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      checks: { database: 'ok', redis: 'ok' },
      trackers: { 'jira/sandbox': 'ok', 'linear/sandbox': 'ok' },
      schedules: {
        'rescore-features': 'ok',
        'tracker-reconcile-jira-sandbox': 'ok',
        'tracker-reconcile-linear-sandbox': 'ok',
      },
    });
  });

  it('/readyz answers 503 naming the database when it is gone', async () => {
    const broken = await startService();
    try {
      await broken.runtime.store.close();
      const res = await fetch(`${broken.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { detail: string; checks: Record<string, string> };
      expect(body.detail).toBe('not reachable: database');
      expect(body.checks['redis']).toBe('ok');
      expect(body.checks['database']).toMatch(/^unreachable: /);
    } finally {
      await broken.stop().catch(() => {});
    }
  });

  it('/metrics exports process defaults, HTTP durations by route and status, queue depths and job counts', async () => {
    const res = await svc.post('/v1/requests', validRequest({ title: 'Metrics please' }));
    const { id } = (await res.json()) as { id: string };
    await svc.get('/v1/requests/00000000-0000-4000-8000-000000000000');
    await waitFor('triaged', async () =>
      ((await (await svc.get(`/v1/requests/${id}`)).json()) as { triagedAt: string | null }).triagedAt
        ? true
        : undefined,
    );
    // The job is counted when the worker hears it completed, a moment after its transaction committed.
    const completed = /suggested_sync_jobs_completed_total\{queue="triage",name="triage-request"\} 1\n/;
    const text = await waitFor('the triage job counted', async () => {
      const body = await (await fetch(`${svc.url}/metrics`)).text();
      return completed.test(body) ? body : undefined;
    });
    expect(text).toContain('suggested_sync_process_cpu_user_seconds_total');
    expect(text).toMatch(
      /suggested_sync_http_request_duration_seconds_count\{method="POST",route="\/v1\/requests",status="202"\} 1\n/,
    );
    expect(text).toMatch(
      /suggested_sync_http_request_duration_seconds_count\{method="GET",route="\/v1\/requests\/:id",status="404"\} 1\n/,
    );
    expect(text).toMatch(/suggested_sync_queue_jobs\{queue="triage",state="waiting"\} \d+/);
    expect(text).toMatch(completed);
    expect(text).toMatch(/suggested_sync_requests_accepted_total\{source="api",outcome="created"\} 1\n/);
    expect(text).toMatch(/suggested_sync_pending_work\{kind="untriaged_requests"\} 0\n/);
  });

  it('/openapi.json is generated from the validating schemas', async () => {
    const doc = (await (await fetch(`${svc.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/requests',
      '/v1/requests/{id}',
      '/v1/features',
      '/v1/features/{id}',
      '/healthz',
      '/readyz',
      '/metrics',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const schema = doc.paths['/v1/requests']?.['post']?.requestBody?.content['application/json']?.schema as {
      required: string[];
      additionalProperties: boolean;
      properties: {
        title: { maxLength: number };
        body: { maxLength: number };
        requester: { required: string[] };
      };
    };
    expect(schema.required).toEqual(['title', 'requester']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.title.maxLength).toBe(300);
    expect(schema.properties.body.maxLength).toBe(20_000);
    expect(schema.properties.requester.required).toEqual(['email']);
  });
});

describe('internal errors', () => {
  it('answer 500 as a problem that quotes the request id and discloses no internals', async () => {
    const broken = await startService();
    try {
      await broken.runtime.store.close();
      const res = await broken.post(
        '/v1/requests',
        validRequest({ body: 'private words', requester: { email: 'leak.check@acme.io' } }),
        { 'x-request-id': 'req-500-check' },
      );
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        type: 'https://suggested-sync.dev/problems/internal',
        title: 'Internal server error',
        status: 500,
        detail: 'something went wrong on our side; quote request id req-500-check when reporting it',
      });
      expect(text).not.toMatch(/pglite|postgres|closed|stack|at /i);
      // The operator sees what happened, under the same request id.
      expect(
        broken.logs.some((l) => l.includes('"reqId":"req-500-check"') && l.includes('unhandled error')),
      ).toBe(true);
    } finally {
      await broken.stop().catch(() => {});
    }
  });
});

describe('admin endpoints', () => {
  it('POST /v1/admin/reconcile needs the admin token: 401 without credentials, 403 with an API key', async () => {
    const adminToken = 'admin-token-0123456789';
    const admin = await startService({
      role: 'api',
      env: { ADMIN_TOKEN: adminToken },
      yaml: 'reconcile:\n  graceSeconds: 0\n',
    });
    try {
      expect((await fetch(`${admin.url}/v1/admin/reconcile`, { method: 'POST' })).status).toBe(401);
      const forbidden = await admin.post('/v1/admin/reconcile', {});
      expect(forbidden.status).toBe(403);
      // An api-role process runs no worker: the request stays pending until the reconcile call enqueues it.
      await admin.post('/v1/requests', validRequest());
      await admin.runtime.queues.queue('triage').obliterate({ force: true });
      const ok = await fetch(`${admin.url}/v1/admin/reconcile`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { reconciled: { triage: { added: number } } };
      expect(body.reconciled.triage.added).toBe(1);
      expect(await admin.runtime.queues.queue('triage').count()).toBe(1);
    } finally {
      await admin.stop();
    }
  });

  it('without ADMIN_TOKEN configured, admin endpoints say how to enable them', async () => {
    const res = await svc.post('/v1/admin/reconcile', {});
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/set ADMIN_TOKEN/);
  });
});

describe('logs', () => {
  it('carry a request id on every line of a request and never an email, key or body', async () => {
    const res = await svc.post(
      '/v1/requests',
      validRequest({
        title: 'Log hygiene',
        body: 'confidential body text',
        requester: { email: 'secret.person@private.example' },
      }),
      { 'x-request-id': 'trace-abc-123' },
    );
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    const { id } = (await res.json()) as { id: string };
    await waitFor('triaged', async () =>
      ((await (await svc.get(`/v1/requests/${id}`)).json()) as { triagedAt: string | null }).triagedAt
        ? true
        : undefined,
    );
    const lines = svc.logs.filter((l) => l.includes('trace-abc-123'));
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['request accepted', 'http']);
    expect(lines.some((l) => l.includes(id))).toBe(true);
    const all = svc.logs.join('\n');
    expect(all).not.toContain('secret.person');
    expect(all).not.toContain('private.example');
    expect(all).not.toContain('confidential body text');
    expect(all).not.toContain(svc.apiKey);
  });
});
