import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDedupeEngine } from './engine.ts';
import { evaluate } from './evaluate.ts';
import { InMemoryDedupeIndex } from './memory-index.ts';

const engine = createDedupeEngine();

/** Existing requests, as a product team's backlog of customer asks might read. */
const BACKLOG = [
  'Dark mode for the dashboard',
  'Dark mode for emails',
  'Export to CSV',
  'Import from CSV',
  'Single sign-on with Okta',
  'Slack integration',
  'Bulk edit tickets',
  'Two-factor authentication',
  'Show archived projects',
  'Hide archived projects',
  'Support Python 3.12',
  'Email notifications when a ticket is assigned',
  'Custom fields on tickets',
  'Calendar view of deadlines',
  'Zapier integration',
  'Gantt chart for projects',
];

function backlogIndex(): InMemoryDedupeIndex {
  const index = new InMemoryDedupeIndex();
  BACKLOG.forEach((title) => {
    index.add(title, engine.analyse({ title }));
  });
  return index;
}

async function best(title: string, body?: string) {
  const ranked = await engine.rank(engine.analyse({ title, body }), backlogIndex(), 5);
  return { ranked, decision: engine.decide(ranked) };
}

describe('dedupe engine on feature requests', () => {
  it.each([
    ['dark mode for the dashboard', 'Dark mode for the dashboard'],
    ['export to csv', 'Export to CSV'],
    ['bulk editing of tickets', 'Bulk edit tickets'],
    ['hide archived projects', 'Hide archived projects'],
  ])('"%s" auto-merges into "%s"', async (title, expected) => {
    const { decision } = await best(title);
    expect(decision.action).toBe('merge');
    expect(decision.candidate?.id).toBe(expected);
  });

  it('a typo still finds the request ("notifcations")', async () => {
    expect((await best('Email notifcations on assignment')).ranked[0]?.evidence.typos).toEqual({
      notifc: 'notif',
    });
  });

  it.each([
    ['Email notifcations on assignment', 'Email notifications when a ticket is assigned'],
    ['night theme please', 'Dark mode for the dashboard'],
    ['SSO login', 'Single sign-on with Okta'],
    ['2FA', 'Two-factor authentication'],
  ])('"%s" finds "%s" first through synonyms', async (title, expected) => {
    expect((await best(title)).ranked[0]?.id).toBe(expected);
  });

  it.each([
    ['import csv file', 'Export to CSV'],
    ['Export to CSV', 'Import from CSV'],
    ['show archived projects', 'Hide archived projects'],
    ['Support Python 3.11', 'Support Python 3.12'],
    ['dark mode for emails', 'Dark mode for the dashboard'],
  ])('"%s" must not auto-merge into "%s"', async (title, other) => {
    const index = new InMemoryDedupeIndex();
    index.add(other, engine.analyse({ title: other }));
    const ranked = await engine.rank(engine.analyse({ title }), index, 1);
    expect(ranked[0]?.id).toBe(other);
    expect(engine.decide(ranked).action).not.toBe('merge');
  });

  it('one extra word the backlog never uses ("data") lowers confidence to review, with the right candidate first', async () => {
    const { ranked, decision } = await best('Export data to csv');
    expect(decision).toMatchObject({ action: 'review', candidate: { id: 'Export to CSV' } });
    expect(ranked[0]?.evidence.matchedTerms).toEqual(expect.arrayContaining(['export', 'csv']));
  });

  it('an unrelated request starts a new feature', async () => {
    expect((await best('Offline mode for the mobile app')).decision.action).toBe('new');
  });

  it('a quoted thread and signature in the body do not make a match', async () => {
    const body =
      'Is there a Gantt chart?\n\nThanks,\nAda\n\nOn Tue, Bob wrote:\n> Slack integration Slack integration';
    const ids = (await best('Project timeline', body)).ranked.map((c) => c.id);
    expect(ids[0]).toBe('Gantt chart for projects');
    expect(ids).not.toContain('Slack integration');
  });

  it('every candidate carries its evidence', async () => {
    const [top] = (await best('Export data to csv')).ranked;
    expect(top?.evidence.matchedTerms).toEqual(expect.arrayContaining(['export', 'csv']));
    expect(top?.evidence.titleTerms).toBeGreaterThan(0);
    expect(top?.evidence.titleGrams).toBeGreaterThan(0);
    expect(top?.confidence).toBeLessThanOrEqual(1);
    const [, opposite] = (await best('Export data to csv')).ranked;
    expect(opposite?.id).toBe('Import from CSV');
    expect(opposite?.evidence.opposites).toEqual(['export/import']);
  });

  it('removing a document takes it out of results and corpus statistics', async () => {
    const index = backlogIndex();
    index.remove('Export to CSV');
    expect(index.statsNow().documents).toBe(BACKLOG.length - 1);
    expect(
      (await engine.rank(engine.analyse({ title: 'Export to CSV' }), index, 5)).map((c) => c.id),
    ).not.toContain('Export to CSV');
  });
});

const DEV = new URL('../../../../shared/datasets/dedupe-dev/', import.meta.url);

describe.skipIf(!existsSync(DEV))(
  'dedupe-dev sets in ../shared (skipped: ../shared/datasets/dedupe-dev absent)',
  () => {
    const read = (name: string) =>
      readFileSync(new URL(name, DEV), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, string>);

    it('mobile: recall and MRR stay above the lexical baselines', async () => {
      const corpus = read('mobile_corpus.jsonl').map((r) => ({
        id: String(r['id']),
        title: r['title'] ?? '',
        body: r['body'] ?? '',
      }));
      const queries = read('mobile_queries.jsonl').map((r) => ({
        queryId: String(r['query_id']),
        targetId: String(r['target_id']),
      }));
      const result = await evaluate(engine, corpus, queries, {
        pastOnly: false,
        autoMerge: engine.thresholds.autoMerge,
      });
      expect(result.n).toBe(139);
      expect(result['R@5']).toBeGreaterThanOrEqual(0.75);
      expect(result['R@10']).toBeGreaterThanOrEqual(0.82);
      expect(result.MRR).toBeGreaterThan(0.55);
    });
  },
);
