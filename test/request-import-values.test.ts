import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, queryRows } from '../src/store/db.ts';
import { createRequestImportRepo, type ImportedRequest } from '../src/store/request-import.repo.ts';
import { openImported } from './helpers/csv-import.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

/**
 * The import's batched insert sends a batch as one JSON document the database spreads into rows
 * (store/request-import.repo.ts): every value must arrive as it was sent, whatever characters it holds.
 */

let database: TestDatabase | undefined;
let opened: Database | undefined;
afterEach(async () => {
  await opened?.close();
  await database?.drop();
});

const TRICKY =
  'quote " backslash \\ slash / tab \t newline \n brace { } comma , emoji 🚀 accent é \u2028 end';

function row(ref: string, overrides: Partial<ImportedRequest> = {}): ImportedRequest {
  return {
    source: 'csv',
    sourceRef: ref,
    idempotencyScope: undefined,
    idempotencyKey: undefined,
    payloadHash: `hash-${ref}`,
    title: `Title ${ref}`,
    body: '',
    url: undefined,
    tags: [],
    submittedRequester: { email: `${ref}@example.com` },
    receivedAt: new Date('2024-03-05T09:30:00.123Z'),
    ...overrides,
  };
}

describe('batched import insert', () => {
  it('stores every value as sent (quotes, backslashes, newlines, emoji, array and JSON values) and counts only new refs', async () => {
    database = await createTestDatabase();
    opened = openImported(database);
    await opened.migrate();
    const repo = createRequestImportRepo(opened.db);
    const tricky = row(`ref ${TRICKY}`, {
      title: TRICKY,
      body: `${TRICKY}\r\nsecond line`,
      url: 'https://example.com/a?b="c"&d=\\e',
      tags: ['a,b', '{x}', 'quote"d', 'back\\slash', ''],
      important: true,
      submittedRequester: {
        email: 'ada@acme.io',
        name: TRICKY,
        company: { name: 'Acme "Ltd"', revenue: 1234.5, tier: 'gold' },
      },
    });

    expect(await repo.insertMany([tricky, row('plain')])).toEqual({ created: 2, existing: [] });
    // Again with one new row: the stored two are existing, by (source, ref).
    expect(await repo.insertMany([tricky, row('plain'), row('new')])).toEqual({
      created: 1,
      existing: [tricky.sourceRef, 'plain'],
    });

    const [stored] = await queryRows<{
      source_ref: string;
      title: string;
      body: string;
      url: string;
      tags: string[];
      important: boolean;
      submitted_requester: unknown;
      received_at: string;
      payload_hash: string;
      triaged_at: Date | null;
    }>(
      opened.db,
      sql`select source_ref, title, body, url, tags, important, submitted_requester, to_char(received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as received_at, payload_hash, triaged_at from requests where title = ${TRICKY}`,
    );
    expect(stored).toEqual({
      source_ref: tricky.sourceRef,
      title: TRICKY,
      body: tricky.body,
      url: tricky.url,
      tags: tricky.tags,
      important: true,
      submitted_requester: tricky.submittedRequester,
      received_at: '2024-03-05T09:30:00.123Z',
      payload_hash: tricky.payloadHash,
      triaged_at: null,
    });
    const [plain] = await queryRows<{ important: boolean; tags: string[]; url: string | null }>(
      opened.db,
      sql`select important, tags, url from requests where source_ref = 'plain'`,
    );
    expect(plain).toEqual({ important: false, tags: [], url: null });
  });
});
