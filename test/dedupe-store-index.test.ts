import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDedupeEngine } from '../src/rules/dedupe/engine.ts';
import { InMemoryDedupeIndex, indexedDocument } from '../src/rules/dedupe/memory-index.ts';
import type { Database } from '../src/store/db.ts';
import { createDocumentCache } from '../src/store/dedupe-document-cache.ts';
import { lockDedupeIndex, lockedDedupeIndex, storeDedupeIndex } from '../src/store/dedupe-index.repo.ts';
import { features } from '../src/store/schema.ts';
import { createTestDatabase, openTestDatabase, type TestDatabase } from './helpers/database.ts';

/**
 * The database-backed dedupe index must rank exactly as the in-memory reference does (same candidates, same
 * scores), and keep its document frequencies and corpus totals exact through adds and removes.
 */

const engine = createDedupeEngine();

const REQUESTS: { title: string; body?: string }[] = [
  { title: 'Dark mode for the dashboard', body: 'Our team works late and the white UI hurts.' },
  { title: 'Dark mode for emails' },
  { title: 'Export to CSV', body: 'We need to export reports to CSV for finance.' },
  { title: 'Import from CSV' },
  { title: 'Single sign-on with Okta', body: 'SAML SSO is required by our security team.' },
  { title: 'Slack integration', body: 'Post a message to a channel when a ticket closes.' },
  { title: 'Bulk edit tickets' },
  { title: 'Two-factor authentication' },
  { title: 'Show archived projects' },
  { title: 'Email notifications when a ticket is assigned', body: 'Notifications by email please.' },
  { title: 'Custom fields on tickets', body: 'A dropdown field and a date field.' },
  { title: 'Calendar view of deadlines' },
  { title: 'Zapier integration' },
  { title: 'Gantt chart for projects', body: 'A timeline of tasks with dependencies.' },
  { title: 'Support Python 3.12' },
  { title: 'Export dashboard to PDF' },
];

const QUERIES = [
  { title: 'dark theme please' },
  { title: 'Email notifcations on assignment' },
  { title: 'export reports as csv', body: 'finance wants a spreadsheet' },
  { title: 'SSO login' },
  { title: 'project timeline', body: 'dependencies between tasks' },
  { title: 'Offline mode for the mobile app' },
];

const rounded = (candidates: { id: string; similarity: number; confidence: number }[]) =>
  candidates.map((c) => ({
    id: c.id,
    similarity: c.similarity.toFixed(9),
    confidence: c.confidence.toFixed(9),
  }));

describe('dedupe index in the database', () => {
  let testDb: TestDatabase;
  let database: Database;
  const memory = new InMemoryDedupeIndex();
  const featureIds: string[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await database.db.transaction(async (tx) => {
      await lockDedupeIndex(tx);
      const index = storeDedupeIndex(tx);
      for (const [i, r] of REQUESTS.entries()) {
        const [f] = await tx
          .insert(features)
          .values({ title: r.title, titleKey: r.title.toLowerCase() })
          .returning();
        if (!f) throw new Error('no feature');
        featureIds.push(f.id);
        const text = engine.analyse(r);
        await index.add(`r:${i}`, f.id, indexedDocument(text));
        memory.add(`r:${i}`, text);
      }
    });
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it.each(QUERIES)('ranks "$title" exactly as the in-memory reference', async (q) => {
    const query = engine.analyse(q);
    const expected = await engine.rank(query, memory, 10);
    const actual = await engine.rank(query, storeDedupeIndex(database.db), 10);
    expect(expected.length).toBeGreaterThan(0);
    expect(rounded(actual)).toEqual(rounded(expected));
    expect(actual.map((c) => c.evidence.matchedTerms)).toEqual(expected.map((c) => c.evidence.matchedTerms));
  });

  it('finds typo neighbours through the pg_trgm vocabulary', async () => {
    const index = storeDedupeIndex(database.db);
    const similar = await index.similarTerms(['notifc', 'exprot', 'dashbord', 'csv']);
    expect(similar.get('notifc')?.map((s) => s.term)).toContain('notif');
    expect(similar.get('dashbord')?.map((s) => s.term)).toContain('dashboard');
    expect(similar.has('csv')).toBe(false);
    expect(await index.similarTerms(['exprot'])).toEqual(await memory.similarTerms(['exprot']));
  });

  it('keeps frequencies and totals exact through a remove, and documents follow a merge', async () => {
    const query = engine.analyse({ title: 'Export to CSV' });
    await database.db.transaction(async (tx) => {
      await lockDedupeIndex(tx);
      await storeDedupeIndex(tx).remove('r:2');
    });
    memory.remove('r:2');
    const index = storeDedupeIndex(database.db);
    expect(await index.stats()).toEqual(memory.statsNow());
    const terms = ['export', 'csv', 'report', 'dark'];
    expect(await index.documentFrequencies(terms)).toEqual(
      new Map([...(await memory.documentFrequencies(terms))].filter(([, df]) => df > 0)),
    );
    expect(rounded(await engine.rank(query, index, 10))).toEqual(
      rounded(await engine.rank(query, memory, 10)),
    );

    const [from, into] = [featureIds[0], featureIds[1]];
    if (!from || !into) throw new Error('features missing');
    await database.db.transaction(async (tx) => storeDedupeIndex(tx).moveFeature(from, into));
    const reader = storeDedupeIndex(database.db);
    await reader.documents(['r:0', 'r:1']);
    expect([reader.featureOf('r:0'), reader.featureOf('r:1')]).toEqual([into, into]);
  });

  it('keeps documents read by earlier transactions while their rows are unchanged, and reads a changed one again', async () => {
    const cache = createDocumentCache();
    const read = (ids: string[]) =>
      database.db.transaction(async (tx) => {
        await lockDedupeIndex(tx);
        const index = lockedDedupeIndex(tx, cache);
        const docs = await index.documents(ids);
        return { docs, featureOf: (id: string) => index.featureOf(id) };
      });
    const first = await read(['r:5', 'r:6']);
    const again = await read(['r:5', 'r:6']);
    // The very objects the first transaction parsed: nothing was read in full again.
    expect(again.docs.get('r:5')).toBe(first.docs.get('r:5'));
    expect(again.docs.get('r:6')).toBe(first.docs.get('r:6'));

    // r:5 removed and added again with other text, r:6 moved to another feature: both read again.
    const other = featureIds[7] ?? '';
    const text = engine.analyse({
      title: 'Slack alerts',
      body: 'Alerts in a channel for every new ticket, please.',
    });
    await database.db.transaction(async (tx) => {
      await lockDedupeIndex(tx);
      const index = storeDedupeIndex(tx);
      await index.remove('r:5');
      await index.add('r:5', featureIds[5] ?? '', indexedDocument(text));
      await index.moveDocuments(['r:6'], other);
    });
    const changed = await read(['r:5', 'r:6']);
    const stored = await storeDedupeIndex(database.db).documents(['r:5', 'r:6']);
    expect(changed.docs.get('r:5')).not.toBe(first.docs.get('r:5'));
    expect(changed.docs.get('r:5')).toEqual(stored.get('r:5'));
    expect(changed.docs.get('r:5')?.titleLength).toBe(text.title.length);
    expect(changed.docs.get('r:6')).toEqual(stored.get('r:6'));
    expect(changed.featureOf('r:6')).toBe(other);
  });
});
