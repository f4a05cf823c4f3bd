import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldError } from '../src/http/problem.ts';
import { requests } from '../src/store/schema.ts';
import { startService, type TestService, validRequest } from './helpers/service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'http:\n  bodyLimitBytes: 4096\n' });
});
afterAll(async () => {
  await svc?.stop();
});

async function problemOf(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { status: number; title: string; detail?: string; errors?: FieldError[] };
}

async function countRequests(s: TestService): Promise<number> {
  const [row] = await s.runtime.store.db.select({ n: count() }).from(requests);
  return row?.n ?? -1;
}

const long = (n: number) => 'x'.repeat(n);

describe('POST /v1/requests validation: each rule names the exact field', () => {
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['title missing', { title: undefined }, 'title', /title is required/],
    ['title empty', { title: '   ' }, 'title', /must not be empty/],
    ['title too long', { title: long(301) }, 'title', /at most 300/],
    ['title not a string', { title: 42 }, 'title', /must be a string/],
    ['body not a string', { body: ['a'] }, 'body', /must be a string/],
    ['requester missing', { requester: undefined }, 'requester', /requester is required/],
    ['requester not an object', { requester: 'ada@acme.io' }, 'requester', /must be an object/],
    ['email missing', { requester: { name: 'Ada' } }, 'requester.email', /email is required/],
    ['email invalid', { requester: { email: 'ada-at-acme' } }, 'requester.email', /valid email/],
    ['name too long', { requester: { email: 'a@b.io', name: long(201) } }, 'requester.name', /at most 200/],
    [
      'externalId empty',
      { requester: { email: 'a@b.io', externalId: '' } },
      'requester.externalId',
      /must not be empty/,
    ],
    [
      'company not an object',
      { requester: { email: 'a@b.io', company: 'Acme' } },
      'requester.company',
      /must be an object/,
    ],
    [
      'company domain invalid',
      { requester: { email: 'a@b.io', company: { domain: 'not a domain' } } },
      'requester.company.domain',
      /domain name/,
    ],
    [
      'revenue negative',
      { requester: { email: 'a@b.io', company: { revenue: -5 } } },
      'requester.company.revenue',
      /not be negative/,
    ],
    [
      'revenue not a number',
      { requester: { email: 'a@b.io', company: { revenue: '10k' } } },
      'requester.company.revenue',
      /must be a number/,
    ],
    [
      'tier too long',
      { requester: { email: 'a@b.io', company: { tier: long(51) } } },
      'requester.company.tier',
      /at most 50/,
    ],
    ['source invalid', { source: 'Zendesk Tickets' }, 'source', /lowercase letters/],
    ['sourceRef empty', { sourceRef: '' }, 'sourceRef', /must not be empty/],
    ['url not http', { url: 'javascript:alert(1)' }, 'url', /http or https/],
    ['tags not an array', { tags: 'ui' }, 'tags', /array of strings/],
    ['tag not a string', { tags: ['ui', 7] }, 'tags[1]', /must be a string/],
    ['too many tags', { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'tags', /at most 50 tags/],
    ['receivedAt not a date', { receivedAt: 'yesterday' }, 'receivedAt', /ISO 8601/],
    ['receivedAt without zone', { receivedAt: '2026-01-01T10:00:00' }, 'receivedAt', /time zone/],
    ['receivedAt before 1970', { receivedAt: '0001-01-01T00:00:00Z' }, 'receivedAt', /before 1970/],
    ['receivedAt in the future', { receivedAt: '9999-12-31T23:59:59Z' }, 'receivedAt', /future/],
    ['unknown top-level field', { priority: 'high' }, 'priority', /unknown field/],
    [
      'unknown nested field',
      { requester: { email: 'a@b.io', phone: '123' } },
      'requester.phone',
      /unknown field/,
    ],
  ];

  it.each(cases)('%s → 400 naming %s', async (_name, patch, field, detail) => {
    const res = await svc.post('/v1/requests', { ...validRequest(), ...patch });
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.errors).toContainEqual(
      expect.objectContaining({ field, detail: expect.stringMatching(detail) }),
    );
  });

  it('refuses a NUL character in any string field with 400 naming it, on either database', async () => {
    const nul = (text: string) => `${text}\u0000x`;
    const company = { name: 'Acme', domain: 'acme.io', tier: 'gold' };
    const cases: Array<[string, Record<string, unknown>]> = [
      ['title', { title: nul('Dark mode') }],
      ['body', { body: nul('We work at night') }],
      ['requester.name', { requester: { email: 'a@b.io', name: nul('Ada') } }],
      ['requester.externalId', { requester: { email: 'a@b.io', externalId: nul('u1') } }],
      ['requester.email', { requester: { email: nul('a@b.io') } }],
      ['requester.company.name', { requester: { email: 'a@b.io', company: { ...company, name: nul('A') } } }],
      [
        'requester.company.domain',
        { requester: { email: 'a@b.io', company: { ...company, domain: nul('a.io') } } },
      ],
      [
        'requester.company.tier',
        { requester: { email: 'a@b.io', company: { ...company, tier: nul('gold') } } },
      ],
      ['tags[1]', { tags: ['ui', nul('dark')] }],
      ['source', { source: nul('zendesk') }],
      ['sourceRef', { sourceRef: nul('ticket-1') }],
      ['url', { url: nul('https://acme.io/t/1') }],
    ];
    const before = await countRequests(svc);
    for (const [field, patch] of cases) {
      const res = await svc.post('/v1/requests', { ...validRequest(), ...patch });
      expect(res.status, field).toBe(400);
      expect((await problemOf(res)).errors, field).toContainEqual(expect.objectContaining({ field }));
    }
    expect(await countRequests(svc)).toBe(before);
    expect(svc.logs.some((l) => l.includes('unhandled error'))).toBe(false);
  });

  it('refuses a NUL character in the other endpoints that take text', async () => {
    const feature = '00000000-0000-4000-8000-000000000000';
    const link = await svc.post(`/v1/features/${feature}/links`, { issue: 'SBX-1\u0000' });
    expect(link.status).toBe(400);
    expect((await problemOf(link)).errors).toContainEqual(
      expect.objectContaining({ field: 'issue', detail: expect.stringMatching(/NUL/) }),
    );
    const push = await svc.post(`/v1/features/${feature}/push`, {
      target: { jira: { project: 'SBX\u0000', issueType: 'Task' } },
    });
    expect(push.status).toBe(400);
    expect((await problemOf(push)).errors).toContainEqual(
      expect.objectContaining({ field: 'target.jira.project', detail: expect.stringMatching(/NUL/) }),
    );
    expect(svc.logs.some((l) => l.includes('unhandled error'))).toBe(false);
  });

  it('lists every invalid field at once, with JSON pointers', async () => {
    const res = await svc.post('/v1/requests', {
      title: '',
      requester: { email: 'nope', extra: 1 },
      tags: [1],
      colour: 'red',
    });
    const problem = await problemOf(res);
    expect(problem.status).toBe(400);
    const fields = problem.errors?.map((e) => e.field).sort();
    expect(fields).toEqual(['colour', 'requester.email', 'requester.extra', 'tags[0]', 'title']);
    expect(problem.errors?.find((e) => e.field === 'tags[0]')?.pointer).toBe('/tags/0');
    expect(problem.detail).toContain('5 invalid fields');
  });

  it('rejects an invalid Idempotency-Key header by name', async () => {
    const res = await svc.post('/v1/requests', validRequest(), { 'idempotency-key': 'x'.repeat(256) });
    const problem = await problemOf(res);
    expect(res.status).toBe(400);
    expect(problem.errors).toContainEqual(
      expect.objectContaining({ field: 'Idempotency-Key', in: 'header' }),
    );
    expect(problem.detail).toBe('1 invalid field: Idempotency-Key (header)');
    expect(problem.errors?.[0]).not.toHaveProperty('pointer');
  });

  it('answers malformed JSON with 400, never a crash, without echoing the body', async () => {
    const res = await svc.post('/v1/requests', '{"title": "secret customer text", ');
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.title).toBe('Malformed JSON');
    expect(JSON.stringify(problem)).not.toContain('secret customer text');
    expect((await svc.get('/healthz')).status).toBe(200);
  });

  it('answers a JSON body that is not an object with 400, pointing at the whole document', async () => {
    const res = await svc.post('/v1/requests', '["a"]');
    expect(res.status).toBe(400);
    const [error] = (await problemOf(res)).errors ?? [];
    expect(error?.detail).toMatch(/must be an object/);
    expect(error?.pointer).toBe('');
  });

  it('answers a wrong method with 405 and Allow, and a malformed path with 400, not 500', async () => {
    const put = await fetch(`${svc.url}/v1/requests`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${svc.apiKey}` },
    });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST');
    const del = await fetch(`${svc.url}/healthz`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    const bad = await svc.get('/v1/requests/%E0%A4%A');
    expect(bad.status).toBe(400);
    await problemOf(bad);
    expect(svc.logs.some((l) => l.includes('unhandled error'))).toBe(false);
  });

  it('answers a non-JSON content type with 415', async () => {
    const res = await svc.post('/v1/requests', 'title=Dark+mode', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
    expect((await problemOf(res)).detail).toMatch(/application\/json/);
  });

  it('answers a body over the limit with 413', async () => {
    const res = await svc.post('/v1/requests', { ...validRequest(), body: long(5000) });
    expect(res.status).toBe(413);
    expect((await problemOf(res)).detail).toMatch(/4096 bytes/);
  });

  it('answers 401 without a key, with a malformed header, and with a wrong key', async () => {
    for (const authorization of [undefined, 'Basic abc', `Bearer ${svc.apiKey}x`]) {
      const res = await fetch(`${svc.url}/v1/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(validRequest()),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      await problemOf(res);
    }
    expect((await svc.get('/v1/features', { authorization: 'Bearer wrong-key-wrong-key' })).status).toBe(401);
  });

  it('answers unknown routes with a 404 problem and unknown ids with 404', async () => {
    expect((await svc.get('/v1/nothing-here')).status).toBe(404);
    const res = await svc.get('/v1/requests/not-a-uuid');
    expect(res.status).toBe(404);
    expect((await problemOf(res)).detail).toContain('not-a-uuid');
    expect((await svc.get('/v1/features/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('validates list queries', async () => {
    const res = await svc.get('/v1/features?sort=popular&limit=500&page=2');
    const problem = await problemOf(res);
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['limit', 'page', 'sort']);
    const forge = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [query, cursor] of [
      ['', 'abc'],
      ['sort=recent&', forge({ s: 'recent', v: 'garbage', id })],
      ['sort=score&', forge({ s: 'score', v: 'NaN', id })],
      ['sort=score&', forge({ s: 'recent', v: '2026-01-01T00:00:00Z', id })],
    ] as const) {
      const res = await svc.get(`/v1/features?${query}cursor=${cursor}`);
      expect(res.status, cursor).toBe(400);
      expect((await problemOf(res)).errors?.[0]).toMatchObject({ field: 'cursor', in: 'query' });
    }
  });

  it('creates nothing for a rejected request', async () => {
    const before = await countRequests(svc);
    expect((await svc.post('/v1/requests', { ...validRequest({ title: '' }) })).status).toBe(400);
    expect((await svc.post('/v1/requests', '{"title":')).status).toBe(400);
    expect(await countRequests(svc)).toBe(before);
  });
});

describe('body limit default', () => {
  it('accepts a 20,000-character body under the default 1 MB limit and rejects 20,001 by field', async () => {
    const other = await startService();
    try {
      const ok = await other.post('/v1/requests', validRequest({ body: long(20_000) }));
      expect(ok.status).toBe(202);
      const bad = await other.post('/v1/requests', validRequest({ body: long(20_001) }));
      expect(bad.status).toBe(400);
      expect((await problemOf(bad)).errors).toContainEqual(expect.objectContaining({ field: 'body' }));
    } finally {
      await other.stop();
    }
  });
});

describe('a body with very many invalid fields', () => {
  it('lists the first 20 and counts them all, so the answer stays small', async () => {
    const other = await startService();
    try {
      const extra = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`f${i}`, 1]));
      const sent = JSON.stringify({ ...validRequest(), ...extra });
      expect(sent.length).toBeLessThan(1_000_000);
      const res = await other.post('/v1/requests', sent);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text.length).toBeLessThan(5_000);
      const problem = JSON.parse(text) as { errors: FieldError[]; errorCount: number; detail: string };
      expect(problem.errorCount).toBe(60_000);
      expect(problem.errors).toHaveLength(20);
      expect(problem.errors[0]).toMatchObject({ field: 'f0', detail: 'unknown field' });
      expect(problem.detail).toMatch(
        /^60000 invalid fields: f0, f1, .*f19 \(the first 20 are listed; 59980 more left out\)$/,
      );
    } finally {
      await other.stop();
    }
  });
});

describe('per-key rate limit on intake', () => {
  it('answers 429 with Retry-After past the limit, per key, counted in Redis', async () => {
    const limited = await startService({
      yaml: 'intake:\n  rateLimit:\n    requests: 3\n    perSeconds: 60\n',
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await limited.post('/v1/requests', validRequest({ sourceRef: `r${i}` }))).status);
      expect(statuses).toEqual([202, 202, 202, 429, 429]);
      const res = await limited.post('/v1/requests', validRequest({ sourceRef: 'r9' }));
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await problemOf(res)).detail).toMatch(/3 requests per 60 s/);
      // The counter lives in Redis under the service's prefix, so every API process shares it.
      const keys = await limited.runtime.redis.keys(`${limited.config.queuePrefix}:ratelimit:*`);
      expect(keys.length).toBe(1);
    } finally {
      await limited.stop();
    }
  });
});
