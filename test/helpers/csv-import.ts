import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { runImport } from '../../src/cli/import.ts';
import { type Config, loadConfig } from '../../src/config/load.ts';
import { openDatabase, queryRows } from '../../src/store/db.ts';
import type { TestDatabase } from './database.ts';

/** `npm run import` in this process against a test database, and what it wrote (test/csv-import*.test.ts). */

export function configFor(db: TestDatabase): Config {
  return loadConfig({
    env: { NODE_ENV: 'test', DATA_DIR: db.dataDir, ...(db.url ? { DATABASE_URL: db.url } : {}) },
  });
}

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, text: () => lines.join('\n') };
}

/** Runs the import command; its stdout and stderr as text. */
export async function runCli(args: string[], db: TestDatabase, config = configFor(db)) {
  const out = sink();
  const err = sink();
  const code = await runImport(args, config, { stdout: out.stream, stderr: err.stream });
  return { code, out: out.text(), err: err.text() };
}

/** The database the import wrote to, opened by the test (the import closed its own connection). */
export function openImported(db: TestDatabase) {
  const target = configFor(db).database;
  return openDatabase(target.kind === 'postgres' ? { kind: 'postgres', url: target.url } : target);
}

export async function storedRequests(db: TestDatabase) {
  const database = openImported(db);
  try {
    // A dry run never opened the database: make the tables so "no rows" is what is measured.
    await database.migrate();
    return await queryRows<{
      source: string;
      source_ref: string;
      title: string;
      body: string;
      email: string;
      received_at: string;
      triaged_at: Date | null;
      revenue: number | null;
    }>(
      database.db,
      sql`select source, source_ref, title, body, submitted_requester->>'email' as email, to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as received_at, triaged_at, (submitted_requester->'company'->>'revenue')::float8 as revenue from requests order by received_at, title`,
    );
  } finally {
    await database.close();
  }
}

export function writeCsv(dir: string, name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}
