import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, type DatabaseTarget, openDatabase, queryRows } from '../src/store/db.ts';
import type { NewRequest } from '../src/store/request-accept.ts';
import { createRequestsRepo } from '../src/store/requests.repo.ts';
import { requests } from '../src/store/schema.ts';
import { openStore } from '../src/store/store.ts';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from './helpers/database.ts';
import { captureLogs } from './helpers/logs.ts';
import { type ServiceProcess, spawnCli, waitReady } from './helpers/process.ts';
import { freePort, freshPrefix, sharedRedisUrl } from './helpers/redis.ts';
import { validRequest, waitFor } from './helpers/service.ts';

/**
 * Grouped accepts (store/request-accept.ts): accepts that arrive together are committed in one transaction, each
 * still with the outcome it would have had alone, and none answered before its row committed.
 */

const targetOf = (database: TestDatabase): DatabaseTarget =>
  database.url
    ? { kind: 'postgres', url: database.url }
    : { kind: 'pglite', dataDir: path.join(database.dataDir, 'pglite') };

const newRequest = (n: string, overrides: Partial<NewRequest> = {}): NewRequest => ({
  source: 'api',
  sourceRef: `ref-${n}`,
  idempotencyScope: undefined,
  idempotencyKey: undefined,
  payloadHash: `hash-${n}`,
  title: `Request ${n}`,
  body: `Body ${n}`,
  url: undefined,
  tags: [],
  submittedRequester: { email: `user${n}@acme.io` },
  receivedAt: new Date('2026-01-01T00:00:00Z'),
  ...overrides,
});

/** The transaction that wrote each row (its xmin), by request id. */
async function writersOf(database: Database, ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await queryRows<{ id: string; xmin: string }>(
    database.db,
    sql`select ${requests.id} as id, xmin::text as xmin from ${requests} where ${inArray(requests.id, [...ids])}`,
  );
  return new Map(rows.map((r) => [r.id, r.xmin]));
}

describe(`grouped accepts on ${testDatabaseKind}`, () => {
  let test: TestDatabase;
  let database: Database;
  beforeEach(async () => {
    test = await createTestDatabase();
    database = openDatabase(targetOf(test));
    await database.migrate();
  });
  afterEach(async () => {
    await database?.close();
    await test?.drop();
  });

  const groupedRepo = () => createRequestsRepo(database.db, { db: database.intakeDb, grouped: true });

  it('commits accepts that arrive together in one transaction, each with its own outcome', async () => {
    const repo = groupedRepo();
    const stored = await repo.accept(newRequest('stored'));
    expect(stored.kind).toBe('created');

    // Sent in one tick: the first starts a group alone, the rest wait and are committed as the next group.
    const lead = repo.accept(newRequest('lead'));
    const [fresh1, fresh2, repeat, edited, keyFirst, keySecond, sameRefFirst, sameRefSecond] =
      await Promise.all([
        repo.accept(newRequest('fresh-1')),
        repo.accept(newRequest('fresh-2')),
        repo.accept(newRequest('stored')),
        repo.accept(newRequest('stored', { payloadHash: 'hash-edited' })),
        repo.accept(newRequest('key-a', { idempotencyScope: 'k1', idempotencyKey: 'idem-1' })),
        repo.accept(
          newRequest('key-b', { idempotencyScope: 'k1', idempotencyKey: 'idem-1', payloadHash: 'other' }),
        ),
        repo.accept(newRequest('twin')),
        repo.accept(newRequest('twin')),
      ]);
    await lead;

    expect(fresh1?.kind).toBe('created');
    expect(fresh2?.kind).toBe('created');
    expect(repeat).toMatchObject({ kind: 'replayed', matchedOn: 'source-ref', request: stored.request });
    expect(edited).toMatchObject({ kind: 'source-ref-reused', request: stored.request });
    // Two with one key in the same group: the first is created, the second finds it, as if sent one by one.
    expect(keyFirst?.kind).toBe('created');
    expect(keySecond).toMatchObject({ kind: 'key-reused', request: keyFirst?.request });
    expect(sameRefFirst?.kind).toBe('created');
    expect(sameRefSecond).toMatchObject({ kind: 'replayed', request: sameRefFirst?.request });

    const created = [fresh1, fresh2, keyFirst, sameRefFirst].map((r) => r?.request.id ?? '');
    const writers = await writersOf(database, [stored.request.id, ...created]);
    expect(new Set(created.map((id) => writers.get(id))).size).toBe(1);
    expect(writers.get(stored.request.id)).not.toBe(writers.get(created[0] ?? ''));
    const rows = await database.db.select({ id: requests.id }).from(requests);
    expect(rows).toHaveLength(6);
  });

  it('a row the database refuses fails only its own accept; the rest of its group is committed', async () => {
    const { log, logs } = captureLogs();
    const repo = createRequestsRepo(database.db, { db: database.intakeDb, grouped: true, log });
    const lead = repo.accept(newRequest('lead'));
    const outcomes = await Promise.allSettled([
      repo.accept(newRequest('good-1')),
      // Postgres refuses U+0000 in text: the one insert of the whole group fails.
      repo.accept(newRequest('bad', { body: 'nul \u0000 here' })),
      repo.accept(newRequest('good-2')),
    ]);
    await lead;

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refs = (await database.db.select({ ref: requests.sourceRef }).from(requests)).map((r) => r.ref);
    expect(refs.sort()).toEqual(['ref-good-1', 'ref-good-2', 'ref-lead']);
    // The group's failure is logged once, as a warning naming the error, without the rows' text or emails.
    const warnings = logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 'warn',
        accepts: 3,
        error: expect.objectContaining({ type: expect.any(String) }),
      }),
    ]);
    for (const secret of ['nul', 'Body good', 'acme.io', 'Request good'])
      expect(logs.join('\n')).not.toContain(secret);
  });
});

/**
 * `npm start` on PGlite groups its accepts. Killed with SIGKILL while many accepts are in flight, every request it
 * answered 202 is in the database afterwards: no group answered before its commit. (Postgres does not group.)
 */
describe.skipIf(testDatabaseKind === 'postgres')('npm start killed with SIGKILL mid-group', () => {
  let database: TestDatabase;
  let proc: ServiceProcess | undefined;
  afterAll(async () => {
    if (proc?.child.exitCode === null) proc.child.kill('SIGKILL');
    await database?.drop();
  });

  it('every request answered 202 before the kill is stored, with the body it was sent with', async () => {
    database = await createTestDatabase('pglite');
    const configFile = path.join(database.dataDir, 'config.yaml');
    writeFileSync(configFile, 'intake:\n  rateLimit: { requests: 1000000 }\n');
    const apiKey = `group-key-${randomBytes(8).toString('hex')}`;
    const port = await freePort();
    proc = spawnCli(['start'], {
      REDIS_URL: sharedRedisUrl,
      QUEUE_PREFIX: freshPrefix('group-kill'),
      CONFIG_FILE: configFile,
      DATA_DIR: database.dataDir,
      API_KEYS: apiKey,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    });
    await waitReady(proc, port);

    const answered = new Map<string, string>();
    let sent = 0;
    let killed = false;
    const client = async () => {
      while (!killed) {
        const title = `Grouped ${sent++}`;
        const ok = await fetch(`http://127.0.0.1:${port}/v1/requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(validRequest({ title, sourceRef: title })),
        }).then(
          async (res) => (res.status === 202 ? ((await res.json()) as { id: string }).id : undefined),
          () => undefined,
        );
        if (!ok) return;
        answered.set(ok, title);
      }
    };
    // 48 at once: groups of many accepts each, so the kill lands with a group's transaction under way.
    const clients = Promise.all(Array.from({ length: 48 }, client));
    await waitFor('accepts under way', async () => (answered.size >= 400 ? true : undefined), 120_000);
    killed = true;
    proc.child.kill('SIGKILL');
    expect((await proc.exited).signal).toBe('SIGKILL');
    await clients;

    const store = openStore({ kind: 'pglite', dataDir: path.join(database.dataDir, 'pglite') });
    try {
      const rows = await store.db
        .select({ id: requests.id, title: requests.title })
        .from(requests)
        .where(inArray(requests.id, [...answered.keys()]));
      expect(new Map(rows.map((r) => [r.id, r.title]))).toEqual(answered);
      // Some were in flight when it died: stored or not, none of them was answered.
      expect(sent).toBeGreaterThan(answered.size);
    } finally {
      await store.close();
    }
  }, 240_000);
});
