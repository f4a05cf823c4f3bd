import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from './helpers/process.ts';

/** `npm run dedupe-eval` as a user runs it: files in, one JSON object out; bad input named, non-zero exit. */

const dir = mkdtempSync(path.join(tmpdir(), 'ss-dedupe-eval-'));
const corpus = path.join(dir, 'corpus.jsonl');
const queries = path.join(dir, 'queries.jsonl');
writeFileSync(
  corpus,
  [
    {
      id: '1',
      title: 'Dark mode for the dashboard',
      body: 'Our team works at night and the white UI hurts.',
    },
    { id: '2', title: 'Export reports to CSV', body: 'We need the monthly report as a CSV file.' },
    {
      id: '3',
      title: 'Night mode please',
      body: 'A dark theme for the dashboard would help our night shift.',
    },
    { id: '4', title: 'Single sign-on with Okta', body: 'SAML SSO for our enterprise accounts.' },
  ]
    .map((d) => JSON.stringify(d))
    .join('\n'),
);
writeFileSync(queries, `${JSON.stringify({ query_id: '3', target_id: '1' })}\n`);

describe('npm run dedupe-eval', () => {
  it('prints one JSON object with the recall figures and the auto-merge operating point', async () => {
    const proc = spawnCli(['dedupe-eval', '--corpus', corpus, '--queries', queries], {});
    expect((await proc.exited).code).toBe(0);
    const result = JSON.parse(proc.stdout()) as Record<string, number>;
    expect(result).toMatchObject({ n: 1, 'R@1': 1, 'R@5': 1, 'R@10': 1, MRR: 1 });
    for (const key of ['threshold', 'precision', 'recall', 'reviewRecall'])
      expect(result).toHaveProperty(key);
    expect(result['byFeature']).toMatchObject({ 'R@1': 1, 'R@5': 1, 'R@10': 1, MRR: 1 });
  });

  it('--pool N: each query against its original and N − 1 drawn documents; figures side by side on stderr', async () => {
    const proc = spawnCli(['dedupe-eval', '--corpus', corpus, '--queries', queries, '--pool', '2'], {});
    expect((await proc.exited).code).toBe(0);
    const result = JSON.parse(proc.stdout()) as Record<string, unknown>;
    expect(result).toMatchObject({ pool: 2, n: 1, 'R@1': 1 });
    expect(result['byFeature']).toHaveProperty('reviewRecall');
    expect(proc.stderr()).toMatch(/per document\s+by feature \(the product's figure\)/);
    expect(proc.stderr()).toMatch(/review recall[^\n]*\d\.\d{3}\s+\d\.\d{3}/);
    const bad = spawnCli(['dedupe-eval', '--corpus', corpus, '--queries', queries, '--pool', '0'], {});
    expect((await bad.exited).code).not.toBe(0);
    expect(bad.stderr()).toMatch(/--pool/);
  });

  it('--replay: the set as a stream, per quarter, before and after learning; --no-learning only before', async () => {
    const proc = spawnCli(['dedupe-eval', '--corpus', corpus, '--queries', queries, '--replay'], {});
    expect((await proc.exited).code).toBe(0);
    const { replay } = JSON.parse(proc.stdout()) as {
      replay: Record<string, { quarters: unknown[]; all: Record<string, unknown> }>;
    };
    for (const run of [replay['before'], replay['after']]) {
      expect(run?.quarters).toHaveLength(4);
      expect(run?.all).toMatchObject({ requests: 2, duplicates: 1, wrongMerges: 0 });
      expect(run?.all).toHaveProperty('ceiling.share');
    }
    expect(replay['after']).toHaveProperty('thresholds.autoMerge.source', 'prior');
    expect(proc.stderr()).toMatch(/before \(no learning\)[\s\S]*after \(learning from the answers\)/);
    expect(proc.stderr()).toMatch(/ceiling \(at threshold\)/);
    const before = spawnCli(
      ['dedupe-eval', '--corpus', corpus, '--queries', queries, '--replay', '--no-learning'],
      {},
    );
    expect((await before.exited).code).toBe(0);
    expect(JSON.parse(before.stdout())).not.toHaveProperty('replay.after');
    const bad = spawnCli(
      ['dedupe-eval', '--corpus', corpus, '--queries', queries, '--replay', '--pool', '3'],
      {},
    );
    expect((await bad.exited).code).not.toBe(0);
    expect(bad.stderr()).toMatch(/--replay/);
  });

  it('names a missing argument and an unreadable file, and fails', async () => {
    const missing = spawnCli(['dedupe-eval', '--corpus', corpus], {});
    expect((await missing.exited).code).not.toBe(0);
    expect(missing.stderr()).toMatch(/--queries/);
    const unreadable = spawnCli(
      ['dedupe-eval', '--corpus', path.join(dir, 'nope.jsonl'), '--queries', queries],
      {},
    );
    expect((await unreadable.exited).code).not.toBe(0);
    expect(unreadable.stderr()).toMatch(/nope\.jsonl/);
  });
});
