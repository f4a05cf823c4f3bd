import { createHash } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiSink } from '../src/connectors/csv/api-sink.ts';
import { requestContent, requestInput } from '../src/domain/request.ts';
import type { ImportedRequest } from '../src/store/request-import.repo.ts';
import { requests } from '../src/store/schema.ts';
import { startService, type TestService, validRequest } from './helpers/service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.stop();
});

async function countWhere(where: ReturnType<typeof eq>): Promise<number> {
  const [row] = await svc.runtime.store.db.select({ n: count() }).from(requests).where(where);
  return row?.n ?? -1;
}

describe('idempotent intake', () => {
  it('answers 202 with the request id only after the request is committed', async () => {
    const res = await svc.post('/v1/requests', validRequest({ sourceRef: 'commit-1' }));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; status: string; links: { self: string } };
    expect(body.status).toBe('received');
    expect(res.headers.get('location')).toBe(`/v1/requests/${body.id}`);
    // Read straight from the database, not through the API.
    const [row] = await svc.runtime.store.db.select().from(requests).where(eq(requests.id, body.id));
    expect(row?.title).toBe('Dark mode');
    expect(row?.submittedRequester.email).toBe('ada@acme.io');
  });

  it('a repeat with the same source and sourceRef returns the first answer and creates nothing', async () => {
    const first = await svc.post('/v1/requests', validRequest({ source: 'zendesk', sourceRef: 'ticket-77' }));
    const firstBody = await first.json();
    // The same content, normalised: key order and surrounding spaces do not make it another request.
    const { title, ...rest } = validRequest({ source: 'zendesk', sourceRef: ' ticket-77 ' });
    const again = await svc.post('/v1/requests', { ...rest, title: ` ${title}` });
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(firstBody);
    expect(await countWhere(eq(requests.sourceRef, 'ticket-77'))).toBe(1);
    // The same ref from another source is another request.
    const other = await svc.post(
      '/v1/requests',
      validRequest({ source: 'intercom', sourceRef: 'ticket-77' }),
    );
    expect(((await other.json()) as { id: string }).id).not.toBe((firstBody as { id: string }).id);
  });

  it('the same source and sourceRef with a different body is 422, like a reused Idempotency-Key', async () => {
    const first = await svc.post('/v1/requests', validRequest({ source: 'zendesk', sourceRef: 'ticket-88' }));
    const { id } = (await first.json()) as { id: string };
    const edited = await svc.post(
      '/v1/requests',
      validRequest({ source: 'zendesk', sourceRef: 'ticket-88', title: 'Edited later' }),
    );
    expect(edited.status).toBe(422);
    expect(edited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await edited.json()).toMatchObject({
      type: 'https://suggested-sync.dev/problems/source-ref-reused',
      requestId: id,
      detail: expect.stringContaining('source "zendesk" already has a request with this sourceRef'),
    });
    const [row] = await svc.runtime.store.db.select().from(requests).where(eq(requests.id, id));
    expect(row?.title).toBe('Dark mode');
    expect(await countWhere(eq(requests.sourceRef, 'ticket-88'))).toBe(1);
  });

  it('a row the direct CSV import stored with its earlier hash is the same request when sent again', async () => {
    const body = validRequest({ source: 'csv', sourceRef: 'row:legacy-1' });
    const input = requestInput.parse(body);
    // What the direct import stored before it hashed the canonical form: the schema's output as serialised.
    const { request } = await svc.runtime.store.requests.accept({
      source: input.source,
      sourceRef: input.sourceRef,
      idempotencyScope: undefined,
      idempotencyKey: undefined,
      payloadHash: createHash('sha256').update(JSON.stringify(input)).digest('hex'),
      ...requestContent(input),
      receivedAt: new Date(),
    });
    const again = await svc.post('/v1/requests', body);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(request.id);
    const edited = await svc.post('/v1/requests', { ...body, title: 'Something else' });
    expect(edited.status).toBe(422);
  });

  it('a CSV import through the API keeps the first content of a row edited since, as the direct import does', async () => {
    const sink = createApiSink({ baseUrl: svc.url, apiKey: svc.apiKey });
    const row = (title: string): ImportedRequest => ({
      source: 'csv',
      sourceRef: 'csv-row-1',
      idempotencyScope: undefined,
      idempotencyKey: undefined,
      payloadHash: 'computed by the service',
      title,
      body: '',
      url: undefined,
      tags: [],
      submittedRequester: { email: 'ada@acme.io' },
      receivedAt: new Date('2026-01-01T00:00:00Z'),
    });
    expect(await sink.insertMany([row('Gantt chart')])).toEqual({ created: 1 });
    expect(await sink.insertMany([row('Gantt chart')])).toEqual({ created: 0 });
    expect(await sink.insertMany([row('Gantt chart, edited')])).toEqual({ created: 0 });
    const rows = await svc.runtime.store.db
      .select()
      .from(requests)
      .where(eq(requests.sourceRef, 'csv-row-1'));
    expect(rows.map((r) => r.title)).toEqual(['Gantt chart']);
  });

  it('a repeat with the same Idempotency-Key returns the first answer; a different body with it is 422', async () => {
    const headers = { 'idempotency-key': 'client-retry-1' };
    const first = await svc.post('/v1/requests', validRequest({ title: 'Export to CSV' }), headers);
    const firstBody = (await first.json()) as { id: string };
    // Key order in the body does not matter.
    const reordered = {
      requester: validRequest().requester,
      title: 'Export to CSV',
      body: validRequest().body,
    };
    const again = await svc.post('/v1/requests', reordered, headers);
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(firstBody.id);
    const misuse = await svc.post('/v1/requests', validRequest({ title: 'Something else' }), headers);
    expect(misuse.status).toBe(422);
    expect(((await misuse.json()) as { requestId: string }).requestId).toBe(firstBody.id);
    expect(await countWhere(eq(requests.idempotencyKey, 'client-retry-1'))).toBe(1);
  });

  it('two identical submissions sent at the same moment make one request', async () => {
    for (const [label, extra, headers] of [
      ['sourceRef', { sourceRef: 'race-1' }, {}],
      ['Idempotency-Key', {}, { 'idempotency-key': 'race-key-1' }],
    ] as const) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          svc.post('/v1/requests', validRequest({ title: `Race ${label}`, ...extra }), headers),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
      const ids = new Set(
        await Promise.all(answers.map(async (a) => ((await a.json()) as { id: string }).id)),
      );
      expect(ids.size).toBe(1);
      expect(await countWhere(eq(requests.title, `Race ${label}`))).toBe(1);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    }
  });

  it('requests without sourceRef or key are each new', async () => {
    const a = (await (await svc.post('/v1/requests', validRequest({ title: 'Plain twice' }))).json()) as {
      id: string;
    };
    const b = (await (await svc.post('/v1/requests', validRequest({ title: 'Plain twice' }))).json()) as {
      id: string;
    };
    expect(a.id).not.toBe(b.id);
    expect(await countWhere(eq(requests.title, 'Plain twice'))).toBe(2);
  });
});
