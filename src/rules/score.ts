/**
 * Feature scoring: the demand behind a feature (who asks, for which accounts, how recently) as one number with
 * its breakdown. Pure; the store loads the demand (one row per requester and per company) and saves the result.
 *
 * The formula, with `decay(t) = 0.5 ^ (age of t / halfLifeDays)` (1 when `halfLifeDays` is 0; a time in the future
 * counts as now):
 *
 * ```
 * score = Σ over requesters r:  (requester + important × [r marked a request important]) × decay(r's latest request)
 *       + Σ over companies c:   (company + revenue.weight × log2(1 + revenue_c / revenue.unit))
 *                               × tiers[tier_c] (1 when the tier is not listed)
 *                               × decay(latest request from c)
 * ```
 *
 * A requester counts once however many of their requests joined the feature, and so does a company however many of
 * its people asked. Revenue has diminishing returns: each doubling of an account's revenue (above `revenue.unit`)
 * adds `revenue.weight` points. The breakdown names each term (`requesters`, `important`, `companies`, `revenue`,
 * and `tiers`: what the tier multipliers added on top of the company and revenue terms) with its points, its
 * points before decay, and its inputs; the terms add up to the score up to rounding (2 decimals).
 */

/** The weights of the score, from `scoring:` in the YAML config. */
export interface ScoringModel {
  /** Points per distinct requester. */
  requester: number;
  /** Points per distinct company. */
  company: number;
  /** Points per company for its revenue: `weight × log2(1 + revenue / unit)`. */
  revenue: { weight: number; unit: number };
  /** Multiplier of a company's points (company and revenue) by its tier name, matched case-insensitively. */
  tiers: Readonly<Record<string, number>>;
  /** Extra points per requester who marked one of their requests on the feature important. */
  important: number;
  /** A contribution halves every this many days since its latest request; 0: no decay. */
  halfLifeDays: number;
}

export const DEFAULT_SCORING: ScoringModel = {
  requester: 1,
  company: 2,
  revenue: { weight: 1, unit: 10_000 },
  tiers: {},
  important: 2,
  halfLifeDays: 180,
};

/** One distinct requester behind a feature: their latest request on it, and whether any was marked important. */
export interface RequesterDemand {
  requesterId: string;
  lastRequestedAt: Date;
  important: boolean;
}

/** One distinct company behind a feature, as its row says now, and the latest request from it. */
export interface CompanyDemand {
  companyId: string;
  name: string | null;
  revenue: number | null;
  tier: string | null;
  lastRequestedAt: Date;
}

export interface Demand {
  requesters: readonly RequesterDemand[];
  companies: readonly CompanyDemand[];
}

/** One term of the score: its points now, before decay, and what it counted. */
interface ScoreTerm {
  points: number;
  undecayed: number;
  count: number;
  weight: number;
}

export interface ScoreBreakdown {
  score: number;
  terms: {
    /** count: distinct requesters. */
    requesters: ScoreTerm;
    /** count: requesters who marked a request important. */
    important: ScoreTerm;
    /** count: distinct companies. */
    companies: ScoreTerm;
    /** count: companies with a known revenue above 0. */
    revenue: ScoreTerm & { unit: number; totalRevenue: number };
    /** What tier multipliers added (or took away, below 1); count: companies in a listed tier. */
    tiers: {
      points: number;
      undecayed: number;
      count: number;
      companiesByTier: Record<string, number>;
      multipliers: Record<string, number>;
    };
  };
  recency: {
    halfLifeDays: number;
    /** The score without decay. */
    undecayedScore: number;
    /** Days since the newest and the oldest of the requesters' latest requests (null: no requesters). */
    newestRequestDays: number | null;
    oldestRequestDays: number | null;
  };
  /** The companies that add the most, at most five. */
  topCompanies: Array<{
    companyId: string;
    name: string | null;
    tier: string | null;
    revenue: number | null;
    multiplier: number;
    ageDays: number;
    decay: number;
    points: number;
  }>;
  scoredAt: string;
}

interface FeatureScore {
  score: number;
  breakdown: ScoreBreakdown;
}

const DAY_MS = 86_400_000;
const TOP_COMPANIES = 5;

const round = (n: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f + 0; // + 0 turns -0 into 0
};

/** The tier name as the config and the breakdown key it. */
export function tierKey(tier: string): string {
  return tier.trim().toLowerCase();
}

function ageDays(at: Date, now: Date): number {
  return Math.max(0, now.getTime() - at.getTime()) / DAY_MS;
}

function decayFor(days: number, halfLifeDays: number): number {
  return halfLifeDays > 0 ? 0.5 ** (days / halfLifeDays) : 1;
}

function revenuePoints(revenue: number | null, model: ScoringModel): number {
  if (revenue === null || !Number.isFinite(revenue) || revenue <= 0) return 0;
  return model.revenue.weight * Math.log2(1 + revenue / model.revenue.unit);
}

const term = (weight: number): ScoreTerm => ({ points: 0, undecayed: 0, count: 0, weight });

export function scoreFeature(demand: Demand, model: ScoringModel, now: Date): FeatureScore {
  const { requesters, important, newest, oldest } = requesterTerms(demand.requesters, model, now);
  const { companies, revenue, tiers, top } = companyTerms(demand.companies, model, now);
  const sum = (key: 'points' | 'undecayed') =>
    requesters[key] + important[key] + companies[key] + revenue[key] + tiers[key];
  const score = round(sum('points'));
  const rounded = <T extends { points: number; undecayed: number }>(t: T): T => ({
    ...t,
    points: round(t.points),
    undecayed: round(t.undecayed),
  });
  return {
    score,
    breakdown: {
      score,
      terms: {
        requesters: rounded(requesters),
        important: rounded(important),
        companies: rounded(companies),
        revenue: rounded(revenue),
        tiers: rounded(tiers),
      },
      recency: {
        halfLifeDays: model.halfLifeDays,
        undecayedScore: round(sum('undecayed')),
        newestRequestDays: newest === null ? null : round(newest, 1),
        oldestRequestDays: oldest === null ? null : round(oldest, 1),
      },
      topCompanies: top
        .sort((a, b) => b.points - a.points || a.companyId.localeCompare(b.companyId))
        .slice(0, TOP_COMPANIES)
        .map((c) => ({ ...c, points: round(c.points) })),
      scoredAt: now.toISOString(),
    },
  };
}

/** The requester and important-requester terms, and how old the newest and oldest requests are. */
function requesterTerms(demand: Demand['requesters'], model: ScoringModel, now: Date) {
  const requesters = term(model.requester);
  const important = term(model.important);
  let newest: number | null = null;
  let oldest: number | null = null;
  for (const r of demand) {
    const days = ageDays(r.lastRequestedAt, now);
    const decay = decayFor(days, model.halfLifeDays);
    newest = newest === null ? days : Math.min(newest, days);
    oldest = oldest === null ? days : Math.max(oldest, days);
    requesters.count++;
    requesters.undecayed += model.requester;
    requesters.points += model.requester * decay;
    if (r.important) {
      important.count++;
      important.undecayed += model.important;
      important.points += model.important * decay;
    }
  }
  return { requesters, important, newest, oldest };
}

/** The company, revenue and tier terms, and each company's share of the score. */
function companyTerms(demand: Demand['companies'], model: ScoringModel, now: Date) {
  const multipliers = new Map(Object.entries(model.tiers).map(([k, v]) => [tierKey(k), v]));
  const companies = term(model.company);
  const revenue = { ...term(model.revenue.weight), unit: model.revenue.unit, totalRevenue: 0 };
  const tiers = {
    points: 0,
    undecayed: 0,
    count: 0,
    companiesByTier: {} as Record<string, number>,
    multipliers: Object.fromEntries(multipliers),
  };
  const top: ScoreBreakdown['topCompanies'] = [];
  for (const c of demand) {
    const days = ageDays(c.lastRequestedAt, now);
    const decay = decayFor(days, model.halfLifeDays);
    const key = c.tier ? tierKey(c.tier) : '';
    const multiplier = key ? (multipliers.get(key) ?? 1) : 1;
    const fromRevenue = revenuePoints(c.revenue, model);
    const base = model.company + fromRevenue;

    companies.count++;
    companies.undecayed += model.company;
    companies.points += model.company * decay;
    if (fromRevenue > 0) {
      revenue.count++;
      revenue.totalRevenue += c.revenue ?? 0;
      revenue.undecayed += fromRevenue;
      revenue.points += fromRevenue * decay;
    }
    if (key) tiers.companiesByTier[key] = (tiers.companiesByTier[key] ?? 0) + 1;
    if (multipliers.has(key)) {
      tiers.count++;
      tiers.undecayed += (multiplier - 1) * base;
      tiers.points += (multiplier - 1) * base * decay;
    }
    top.push({
      companyId: c.companyId,
      name: c.name,
      tier: c.tier,
      revenue: c.revenue,
      multiplier,
      ageDays: round(days, 1),
      decay: round(decay, 3),
      points: base * multiplier * decay,
    });
  }
  return { companies, revenue, tiers, top };
}
