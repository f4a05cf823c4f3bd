import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/import.ts';
import { queryRows } from '../src/store/db.ts';
import { configFor, runCli, writeCsv } from './helpers/csv-import.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { spawnCli } from './helpers/process.ts';
import { startService, waitFor } from './helpers/service.ts';

/**
 * `npm run import` next to a running service: the service triages what was imported; on PGlite, which one process
 * may open, the import goes through the service's API, or says clearly that it cannot.
 */

let dir: string;
let database: TestDatabase;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ss-csv-svc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await database?.drop();
});

describe('CSV import beside the running service', () => {
  it('the running service triages imported rows into features', async () => {
    database = await createTestDatabase();
    const csv = writeCsv(
      dir,
      'triage.csv',
      'title,body,email\nDark mode,Please add a dark theme,ada@acme.io\nDark mode please,A dark theme for night work,bob@corp.example.com\nCSV export of the board,Export to CSV,carol@corp.example.com\n',
    );
    const yaml = 'reconcile:\n  intervalSeconds: 1\n  graceSeconds: 0\n';
    // PGlite serves one process: import first, then the service finds the rows when it starts. On Postgres the
    // service is already running while the import writes.
    let service =
      database.kind === 'postgres' ? await startService({ database, yaml, keepDatabase: true }) : undefined;
    try {
      const result = await runCli([csv], database);
      expect(result.code).toBe(EXIT.ok);
      service ??= await startService({ database, yaml, keepDatabase: true });
      const running = service;
      const features = await waitFor(
        'imported requests triaged',
        async () => {
          const rows = await queryRows<{ title: string; feature_id: string | null }>(
            running.runtime.store.db,
            sql`select title, feature_id from requests order by title`,
          );
          return rows.length === 3 && rows.every((r) => r.feature_id) ? rows : undefined;
        },
        60_000,
      );
      expect(new Set(features.map((f) => f.feature_id)).size).toBeGreaterThanOrEqual(2);
      const res = await service.get('/v1/features?limit=10');
      const body = (await res.json()) as { data: Array<{ requestCount: number }> };
      expect(body.data.reduce((n, f) => n + f.requestCount, 0)).toBe(3);
    } finally {
      await service?.stop();
    }
  }, 120_000);

  it.runIf(process.env['TEST_DATABASE'] !== 'postgres')(
    'with the service running on PGlite, the import says the database is in use and writes nothing',
    async () => {
      database = await createTestDatabase();
      const service = await startService({ database, keepDatabase: true });
      try {
        const csv = writeCsv(dir, 'locked.csv', 'title,email\nDark mode,ada@acme.io\n');
        // A second process, as `npm run import` is: the lock names the service's pid.
        const cli = spawnCli(['import', csv], { DATA_DIR: database.dataDir, NODE_ENV: 'test' });
        const { code } = await cli.exited;
        expect(code).toBe(EXIT.unavailable);
        expect(cli.stderr()).toContain(`in use by process ${process.pid}`);
        expect(cli.stderr()).toContain('Stop the service, run the import, then start the service again');
        const [count] = await queryRows<{ n: number }>(
          service.runtime.store.db,
          sql`select count(*)::int as n from requests`,
        );
        expect(count?.n).toBe(0);
      } finally {
        await service.stop();
      }
    },
    120_000,
  );

  it.runIf(process.env['TEST_DATABASE'] !== 'postgres')(
    'with the service running on PGlite and its API key known, the rows go through its API, just as idempotent',
    async () => {
      database = await createTestDatabase();
      const service = await startService({ database, keepDatabase: true });
      try {
        const config = { ...configFor(database), port: service.runtime.port, apiKeys: [service.apiKey] };
        const csv = writeCsv(
          dir,
          'api.csv',
          'title,body,email,id\nDark mode,Please add a dark theme,ada@acme.io,A-1\nExport,Export it,not-an-email,A-2\nSSO,SAML login,carol@corp.example.com,A-3\n',
        );
        const first = await runCli([csv], database, config);
        expect(first.err).toContain(
          `sending the rows through its API at http://127.0.0.1:${service.runtime.port}`,
        );
        expect(first.code).toBe(EXIT.rejected);
        expect(first.out).toContain('created:    2');
        expect(first.out).toContain('line 3: email must be a valid email address');
        const again = await runCli([csv], database, config);
        expect(again.out).toContain('created:    0');
        expect(again.out).toContain('duplicates: 2');
        // Sent through the API, so queued for triage at once.
        const rows = await waitFor('requests triaged', async () => {
          const found = await queryRows<{ source_ref: string; feature_id: string | null }>(
            service.runtime.store.db,
            sql`select source_ref, feature_id from requests where source = 'csv' order by source_ref`,
          );
          return found.length === 2 && found.every((r) => r.feature_id) ? found : undefined;
        });
        expect(rows.map((r) => r.source_ref)).toEqual(['A-1', 'A-3']);

        // A key the service does not take stops the import with the reason, keeping nothing half-done.
        const refused = await runCli([csv], database, { ...config, apiKeys: ['not-the-key-0123456789'] });
        expect(refused.code).toBe(EXIT.unavailable);
        expect(refused.err).toContain(
          'the service answered 401 to a row (the API key is not one this service accepts',
        );
      } finally {
        await service.stop();
      }
    },
    120_000,
  );
});
