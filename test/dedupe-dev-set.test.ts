import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/store/db.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';

/**
 * A labelled development set fed through the real intake API and triage workers, in corpus order: the merges
 * the service actually made are checked against the labels. Precision: of the requests that joined an existing
 * feature, the share whose feature holds a labelled duplicate of the same need. Recall: of the labelled
 * duplicate pairs, the share that ended up in one feature.
 */

const DEV = new URL('../../shared/datasets/dedupe-dev/', import.meta.url);
const SET = 'mobile';

function readJsonl(name: string): Record<string, unknown>[] {
  return readFileSync(new URL(name, DEV), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Labelled duplicates of one original form one need (union-find over the pairs). */
function needs(pairs: readonly [string, string][]): (id: string) => string {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    const p = parent.get(id);
    if (p === undefined || p === id) return id;
    const root = find(p);
    parent.set(id, root);
    return root;
  };
  for (const [a, b] of pairs) {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  }
  return find;
}

describe.skipIf(!existsSync(DEV))(
  `the ${SET} development set through intake and triage${existsSync(DEV) ? '' : ' (skipped: ../shared/datasets/dedupe-dev absent)'}`,
  () => {
    let svc: TestService;
    beforeAll(async () => {
      svc = await startService();
    });
    afterAll(async () => {
      await svc?.stop();
    });

    it('merges only what the labels call one need, and finds a good share of them', async () => {
      const corpus = readJsonl(`${SET}_corpus.jsonl`).map((r) => ({
        id: String(r['id']),
        title: String(r['title'] ?? '').slice(0, 300) || '(no title)',
        body: String(r['body'] ?? '').slice(0, 20_000),
      }));
      const pairs = readJsonl(`${SET}_queries.jsonl`).map(
        (r) => [String(r['query_id']), String(r['target_id'])] as [string, string],
      );
      // In corpus order, one at a time: as requests would arrive.
      for (const [i, doc] of corpus.entries()) {
        const res = await svc.post('/v1/requests', {
          title: doc.title,
          ...(doc.body ? { body: doc.body } : {}),
          source: 'eval',
          sourceRef: doc.id,
          requester: { email: `reporter${i}@example.org` },
        });
        expect(res.status, `${doc.id}: ${await res.clone().text()}`).toBe(202);
      }
      const rows = await waitFor(
        'every request triaged',
        async () => {
          const found = await queryRows<{ ref: string; feature: string | null; action: string | null }>(
            svc.runtime.store.db,
            sql`select r.source_ref as ref, r.feature_id as feature, d.action
                from requests r left join triage_decisions d on d.request_id = r.id
                where r.source = 'eval'`,
          );
          return found.length === corpus.length && found.every((r) => r.feature) ? found : undefined;
        },
        180_000,
      );

      const need = needs(pairs);
      const featureOf = new Map(rows.map((r) => [r.ref, r.feature ?? '']));
      const members = new Map<string, string[]>();
      for (const r of rows) members.set(r.feature ?? '', [...(members.get(r.feature ?? '') ?? []), r.ref]);

      const attached = rows.filter((r) => r.action === 'attached');
      const right = attached.filter((r) =>
        (members.get(r.feature ?? '') ?? []).some((other) => other !== r.ref && need(other) === need(r.ref)),
      );
      const together = pairs.filter(([q, t]) => featureOf.get(q) === featureOf.get(t));
      const precision = attached.length ? right.length / attached.length : 1;
      const recall = together.length / pairs.length;
      console.log(
        `${SET} through the service: ${corpus.length} requests, ${members.size} features, ${attached.length} joined an existing feature; ` +
          `merge precision ${precision.toFixed(3)}, pair recall ${recall.toFixed(3)} (${together.length}/${pairs.length})`,
      );
      // A wrong merge is worse than a missed one: the bar for precision is the target.
      expect(precision).toBeGreaterThanOrEqual(0.95);
      expect(recall).toBeGreaterThan(0.05);
      expect(members.size).toBeGreaterThan(corpus.length / 2);
    }, 300_000);
  },
);
