import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { ensureDedupeIndex } from '../src/application/dedupe-index-rebuild.ts';
import type { DedupeEngine } from '../src/rules/dedupe/engine.ts';
import { analysisFingerprint } from '../src/rules/dedupe/fingerprint.ts';
import { DEFAULT_SYNONYMS } from '../src/rules/dedupe/synonyms.ts';
import { titleKey } from '../src/rules/normalise.ts';
import type { Db } from '../src/store/db.ts';
import { vacuumDedupeIndex } from '../src/store/dedupe-index-upkeep.ts';
import type { SubmittedRequester } from '../src/store/schema.ts';
import {
  body,
  drawNeed,
  type Existing,
  needKey,
  phrasingCount,
  type Random,
  title,
  typo,
} from './triage-corpus.ts';
import { FIRST_NAMES, jargon, LAST_NAMES } from './triage-vocabulary.ts';

/**
 * The triage benchmark's starting state, written in bulk: companies, requesters, and N features with one triaged
 * request each (a few multi-row INSERTs from arrays per thousand rows), then the dedupe index built from those
 * requests by the service's own rebuild (ensureDedupeIndex), as a first start after an upgrade would.
 */

const BATCH = 2_000;
const DAY_MS = 86_400_000;
const SUFFIXES = [
  'Labs',
  'Group',
  'Health',
  'Logistics',
  'Bank',
  'Studio',
  'Systems',
  'Foods',
  'Energy',
  'Media',
];
const TIERS = ['free', 'pro', 'business', 'enterprise'];

export interface Company {
  id: string;
  name: string;
  domain: string;
}

export interface Requester {
  id: string;
  email: string;
  company: Company;
}

export interface LoadedState {
  existing: Existing[];
  /** Feature id of each existing request, by position. */
  featureIds: string[];
  companies: Company[];
  requesters: Requester[];
  rowsSeconds: number;
  indexSeconds: number;
  documents: number;
}

const p = <T>(value: T) => sql.param(value);
const seconds = (since: number) => (performance.now() - since) / 1000;

async function inBatches<T>(rows: readonly T[], write: (batch: readonly T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += BATCH) await write(rows.slice(i, i + BATCH));
}

export function submittedBy(r: Requester, viaFreeMail: boolean): SubmittedRequester {
  return viaFreeMail
    ? { email: r.email.replace(/@.*/, '@gmail.com'), company: { name: r.company.name } }
    : { email: r.email, name: r.email.split('@')[0], company: { domain: r.company.domain } };
}

export async function loadExisting(
  db: Db,
  engine: DedupeEngine,
  features: number,
  random: Random,
): Promise<LoadedState> {
  const started = performance.now();
  const names = jargon(Math.max(20, Math.round(features / 20)) + 3_000).slice(3_000);
  const companies: Company[] = names.map((word, i) => ({
    id: random.uuid(),
    name: `${word.charAt(0).toUpperCase()}${word.slice(1)} ${SUFFIXES[i % SUFFIXES.length]}`,
    domain: `${word}.example.com`,
  }));
  const requesters: Requester[] = Array.from({ length: Math.max(50, Math.round(features / 4)) }, (_, i) => {
    const company = random.pick(companies);
    const email =
      `${random.pick(FIRST_NAMES)}.${random.pick(LAST_NAMES)}${i}@${company.domain}`.toLowerCase();
    return { id: random.uuid(), email, company };
  });

  // Existing features are distinct needs (no two ask for the same thing, however phrased). They came in as
  // requests, typos and all, so the vocabulary grows with the corpus as a real one does.
  const seen = new Set<string>();
  const existing: Existing[] = [];
  while (existing.length < features) {
    const need = drawNeed(random);
    if (seen.has(needKey(need))) continue;
    seen.add(needKey(need));
    const phrasing = random.int(0, phrasingCount(need) - 1);
    const clean = title(need, phrasing);
    const t = random.chance(0.1) ? typo(random, clean) : clean;
    const b = body(random, need);
    existing.push({ need, phrasing, title: t, body: random.chance(0.3) ? typo(random, b) : b });
  }
  const now = Date.now();
  const rows = existing.map((e, i) => {
    const requester = random.pick(requesters);
    return {
      featureId: random.uuid(),
      requestId: random.uuid(),
      requester,
      receivedAt: new Date(now - random.int(1, 730) * DAY_MS).toISOString(),
      hash: createHash('sha256').update(`${i}\n${e.title}\n${e.body}`).digest('hex'),
      e,
    };
  });

  await inBatches(companies, (batch) =>
    db.execute(sql`
      insert into companies (id, key, name, domain, revenue, tier)
      select id, domain, name, domain, revenue, tier
      from unnest(${p(batch.map((c) => c.id))}::uuid[], ${p(batch.map((c) => c.name))}::text[],
                  ${p(batch.map((c) => c.domain))}::text[],
                  ${p(batch.map(() => random.int(1, 500) * 100_000))}::float8[],
                  ${p(batch.map(() => random.pick(TIERS)))}::text[]) as v(id, name, domain, revenue, tier)`),
  );
  await inBatches(requesters, (batch) =>
    db.execute(sql`
      insert into requesters (id, email, email_key, name, company_id)
      select id, email, email, split_part(email, '@', 1), company_id
      from unnest(${p(batch.map((r) => r.id))}::uuid[], ${p(batch.map((r) => r.email))}::text[],
                  ${p(batch.map((r) => r.company.id))}::uuid[]) as v(id, email, company_id)`),
  );
  await inBatches(rows, async (batch) => {
    await db.execute(sql`
      insert into features (id, title, title_key, request_count, requester_count, company_count,
                            last_requested_at, created_at)
      select id, title, title_key, 1, 1, 1, at, at
      from unnest(${p(batch.map((r) => r.featureId))}::uuid[], ${p(batch.map((r) => r.e.title))}::text[],
                  ${p(batch.map((r) => titleKey(r.e.title)))}::text[],
                  ${p(batch.map((r) => r.receivedAt))}::timestamptz[]) as v(id, title, title_key, at)`);
    await db.execute(sql`
      insert into requests (id, source, payload_hash, title, body, submitted_requester, received_at, created_at,
                            requester_id, company_id, feature_id, triaged_at)
      select id, 'bench', hash, title, body, submitted, at, at, requester_id, company_id, feature_id, at
      from unnest(${p(batch.map((r) => r.requestId))}::uuid[], ${p(batch.map((r) => r.hash))}::text[],
                  ${p(batch.map((r) => r.e.title))}::text[], ${p(batch.map((r) => r.e.body))}::text[],
                  ${p(batch.map((r) => JSON.stringify(submittedBy(r.requester, false))))}::jsonb[],
                  ${p(batch.map((r) => r.receivedAt))}::timestamptz[],
                  ${p(batch.map((r) => r.requester.id))}::uuid[], ${p(batch.map((r) => r.requester.company.id))}::uuid[],
                  ${p(batch.map((r) => r.featureId))}::uuid[])
           as v(id, hash, title, body, submitted, at, requester_id, company_id, feature_id)`);
  });
  const rowsSeconds = seconds(started);

  const indexStarted = performance.now();
  const index = await ensureDedupeIndex(db, engine.analyse, analysisFingerprint(engine, DEFAULT_SYNONYMS));
  // What the service does after a rebuild (runtime.ts).
  await vacuumDedupeIndex(db);
  return {
    existing,
    featureIds: rows.map((r) => r.featureId),
    companies,
    requesters,
    rowsSeconds,
    indexSeconds: seconds(indexStarted),
    documents: index.documents,
  };
}
