import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/import.ts';
import { loadConfig } from '../src/config/load.ts';
import { queryRows } from '../src/store/db.ts';
import { openImported, runCli, storedRequests, writeCsv } from './helpers/csv-import.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { spawnCli } from './helpers/process.ts';

/**
 * `npm run import` end to end on the real database (PGlite, or Postgres with TEST_DATABASE=postgres): messy files,
 * rejected rows with their physical line, presets, idempotent re-runs, a dry run, a 50,000-row file. Beside a
 * running service: csv-import-service.test.ts.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = path.join(ROOT, 'test/fixtures/csv');
let dir: string;
let database: TestDatabase;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ss-csv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await database?.drop();
});

const MESSY = `\ufeffSubject,Details,Author Email,Author Name,Created At\r
Dark mode,"Our team works at night.\r
A dark theme, please.",ada@acme.io,Ada,2024-03-05\r
CSV export,Export everything,not-an-email,Bob,2024-03-06\r
\r
"SSO ""SAML""","Line one\r
line two\r
line three",carol@corp.example.com,Carol,2024-03-07 09:00:00 UTC\r
Audit log,,dave@@corp.example.com\r
Webhooks,Push events,erin@corp.example.com,Erin,2024-03-08,extra,cells\r
,No title here,frank@corp.example.com,Frank,2024-03-09\r
`;

describe('CSV import', () => {
  it('a messy file: BOM, CRLF, quoted newlines, ragged rows; invalid rows rejected with their physical line, the rest kept', async () => {
    database = await createTestDatabase();
    const csv = writeCsv(dir, 'messy.csv', MESSY);
    const first = await runCli([csv], database);
    expect(first.err).not.toContain('cannot');
    expect(first.code).toBe(EXIT.rejected);
    expect(first.out).toContain('created:    3');
    expect(first.out).toContain('rejected:   3');
    expect(first.out).toContain('line 4: email must be a valid email address');
    // Line 9, not 7: the SSO row's body spans lines 6-8, and line 5 is blank.
    expect(first.out).toContain('line 9: email must be a valid email address');
    expect(first.out).toContain('line 11: title must not be empty');
    const rejects = readFileSync(`${csv}.rejects.csv`, 'utf8');
    expect(rejects).toBe(
      'line,reason\n4,"email must be a valid email address"\n9,"email must be a valid email address"\n11,"title must not be empty"\n',
    );

    const rows = await storedRequests(database);
    expect(rows.map((r) => [r.title, r.email, r.received_at, r.triaged_at])).toEqual([
      ['Dark mode', 'ada@acme.io', '2024-03-05T00:00:00Z', null],
      ['SSO "SAML"', 'carol@corp.example.com', '2024-03-07T09:00:00Z', null],
      ['Webhooks', 'erin@corp.example.com', '2024-03-08T00:00:00Z', null],
    ]);
    expect(rows[1]?.body).toBe('Line one\r\nline two\r\nline three');
    expect(rows.every((r) => r.source === 'csv' && /^row:[0-9a-f]{40}$/.test(r.source_ref))).toBe(true);

    // Re-running the same file creates nothing: every valid row is a duplicate.
    const second = await runCli([csv], database);
    expect(second.out).toContain('created:    0');
    expect(second.out).toContain('duplicates: 3');
    expect(await storedRequests(database)).toHaveLength(3);
  });

  it('a missing required column stops before anything is written, naming the columns found', async () => {
    database = await createTestDatabase();
    const csv = writeCsv(dir, 'no-email.csv', 'Title,Votes\nDark mode,3\n');
    const result = await runCli([csv], database);
    expect(result.code).toBe(EXIT.dataErr);
    expect(result.err).toContain('nothing was written');
    expect(result.err).toContain('no column for email');
    expect(result.err).toContain('columns found: "Title", "Votes"');
    expect(await storedRequests(database)).toHaveLength(0);
  });

  it('an unreachable database stops the import with its reason (exit 69), not a crash', async () => {
    database = await createTestDatabase();
    const csv = writeCsv(dir, 'down.csv', 'title,email\nDark mode,ada@acme.io\n');
    const config = loadConfig({
      env: { NODE_ENV: 'test', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
    });
    const result = await runCli([csv], database, config);
    expect(result.code).toBe(EXIT.unavailable);
    expect(result.err).toMatch(
      /^import: the database is not available \(Postgres at 127\.0\.0\.1:1\): .*ECONNREFUSED/,
    );
  });

  it('a database failure mid-import names its cause on the terminal, never the rows it was writing', async () => {
    database = await createTestDatabase();
    const db = openImported(database);
    try {
      await db.migrate();
      await db.db.execute(
        sql.raw(
          `create function refuse_rows() returns trigger language plpgsql as $$ begin raise exception 'rows refused by the test'; end $$`,
        ),
      );
      await db.db.execute(
        sql.raw(
          'create trigger refuse before insert on requests for each row execute function refuse_rows()',
        ),
      );
    } finally {
      await db.close();
    }
    const secrets = [
      'Roadmap item nobody may read',
      'A body kept private',
      'private.person@corp.example.com',
    ];
    const csv = writeCsv(dir, 'refused.csv', `title,description,email\n${secrets.join(',')}\n`);
    const cli = spawnCli(['import', csv], {
      DATA_DIR: database.dataDir,
      NODE_ENV: 'test',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    });
    const { code } = await cli.exited;
    const said = cli.stdout() + cli.stderr();
    expect(code, said).toBe(1);
    expect(cli.stderr()).toContain('rows refused by the test');
    for (const text of secrets) expect(said).not.toContain(text);
  });

  it('--dry-run validates and reports, and writes nothing', async () => {
    database = await createTestDatabase();
    const csv = writeCsv(dir, 'dry.csv', MESSY);
    const result = await runCli([csv, '--dry-run', '--rejects', path.join(dir, 'dry-rejects.csv')], database);
    expect(result.code).toBe(EXIT.rejected);
    expect(result.out).toContain('dry run (nothing written)');
    expect(result.out).toContain('would create: 3');
    expect(result.out).toContain('line 11: title must not be empty');
    expect(readFileSync(path.join(dir, 'dry-rejects.csv'), 'utf8').split('\n')).toHaveLength(5);
    expect(await storedRequests(database)).toHaveLength(0);
  });

  it.each(['canny', 'uservoice', 'productboard'])(
    '--preset %s reads that tool’s export, its id as the source ref, under --source',
    async (preset) => {
      database = await createTestDatabase();
      const result = await runCli(
        [path.join(FIXTURES, `${preset}.csv`), '--preset', preset, '--source', preset],
        database,
      );
      expect(result.code).toBe(EXIT.ok);
      const rows = await storedRequests(database);
      expect(rows.map((r) => [r.source, r.title, r.email])).toEqual([
        [preset, 'Dark mode', 'ada@acme.io'],
        [preset, 'CSV export', 'bob@corp.example.com'],
      ]);
      expect(rows.map((r) => r.source_ref)).toEqual(
        { canny: ['5f1a', '5f1b'], uservoice: ['101', '102'], productboard: ['n-1', 'n-2'] }[preset],
      );
      expect(rows[0]?.received_at).toBe('2024-03-05T10:20:00Z');
      // Revenue is annual: Canny's monthly spend and UserVoice's MRR count twelve times (LTV is not read).
      expect(rows.map((r) => r.revenue)).toEqual(
        { canny: [1200, null], uservoice: [3006, null], productboard: [null, null] }[preset],
      );
    },
  );

  it('50,000 rows: all imported in bounded batches (peak RSS printed), the same rows twice counted once', async () => {
    database = await createTestDatabase();
    const csv = path.join(dir, 'big.csv');
    const writer = createWriteStream(csv);
    writer.write('id,title,description,email,company,created\n');
    for (let i = 0; i < 50_000; i++) {
      const line = `${i},"Feature ${i % 997}","Customer ${i} asked, at length:\n""please"" ${'x'.repeat(i % 200)}",user${i}@company${i % 5000}.example.com,Company ${i % 5000},2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z\n`;
      if (!writer.write(line)) await once(writer, 'drain');
    }
    // The first ten rows again: duplicates, not new requests.
    for (let i = 0; i < 10; i++)
      writer.write(`${i},"Feature ${i}",again,user${i}@company${i}.example.com,,\n`);
    writer.end();
    await once(writer, 'finish');

    // Its own process, as `npm run import` runs, so the peak RSS it reports is the import's alone.
    const cli = spawnCli(['import', csv], {
      DATA_DIR: database.dataDir,
      NODE_ENV: 'test',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    });
    const { code } = await cli.exited;
    const out = cli.stdout();
    console.log(`csv-import 50k (${database.kind}): ${out.split('\n')[2]?.trim()}`);
    expect(code, cli.stderr()).toBe(EXIT.ok);
    expect(out).toContain('created:    50,000');
    expect(out).toContain('duplicates: 10');
    // Not a terminal: plain progress lines, no carriage returns.
    expect(cli.stderr()).toMatch(/^import: \d+% [\d,]+ rows, [\d,]+ rows\/s, /m);
    expect(cli.stderr()).not.toContain('\r');
    const db = openImported(database);
    try {
      const [count] = await queryRows<{ n: number }>(
        db.db,
        sql`select count(*)::int as n from requests where source = 'csv'`,
      );
      expect(count?.n).toBe(50_000);
    } finally {
      await db.close();
    }
  }, 300_000);
});
