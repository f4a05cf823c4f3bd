import type { TrackerKind } from './tracker-sync.ts';

/**
 * The requests of the tracker-sync benchmark: `features` distinct titles (triage merges equal titles into one
 * feature), every requester distinct, spread over a handful of companies.
 */

/** A handful of accounts: requesters' emails are at these domains, so triage makes one company each. */
export const COMPANIES = [
  { name: 'Acme Corp', domain: 'acme-bench.com', revenue: 1_200_000, tier: 'enterprise' },
  { name: 'Globex', domain: 'globex-bench.com', revenue: 450_000, tier: 'enterprise' },
  { name: 'Initech', domain: 'initech-bench.com', revenue: 90_000, tier: 'growth' },
  { name: 'Umbrella', domain: 'umbrella-bench.com', revenue: 30_000, tier: 'growth' },
  { name: 'Hooli', domain: 'hooli-bench.com', revenue: 8_000, tier: 'starter' },
] as const;

const TOPICS = ['Dark mode', 'CSV export', 'SSO with Okta', 'Audit log', 'Bulk edit', 'Custom fields'];

/** Distinct per tracker and per run, so neither phase nor an earlier run merges into another's features. */
export function featureTitles(kind: TrackerKind, runId: string, features: number): string[] {
  const label = kind === 'jira' ? 'Jira' : 'Linear';
  return Array.from(
    { length: features },
    (_, i) => `${TOPICS[i % TOPICS.length]} (${label} bench ${runId}, feature ${i + 1})`,
  );
}

/** Interleaved (request n asks for feature n mod features), so every feature keeps getting requests while pushed. */
export function requestBodies(
  kind: TrackerKind,
  runId: string,
  titles: readonly string[],
  perFeature: number,
) {
  return Array.from({ length: titles.length * perFeature }, (_, n) => {
    const company = COMPANIES[n % COMPANIES.length] as (typeof COMPANIES)[number];
    return {
      title: titles[n % titles.length],
      body: `Asked on a call (bench ${runId}, request ${n}).`,
      requester: {
        email: `${kind}-requester-${n}@${company.domain}`,
        name: `Requester ${n}`,
        company: { name: company.name, revenue: company.revenue, tier: company.tier },
      },
      sourceRef: `bench-${runId}-${kind}-${n}`,
      // Sandbox routing: tag `jira` goes to the Jira emulator's project SBX, the rest to Linear's team SBX.
      tags: kind === 'jira' ? ['jira'] : [],
    };
  });
}
