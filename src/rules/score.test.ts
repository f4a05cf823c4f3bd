import { describe, expect, it } from 'vitest';
import {
  type CompanyDemand,
  DEFAULT_SCORING,
  type Demand,
  type RequesterDemand,
  type ScoringModel,
  scoreFeature,
} from './score.ts';

const NOW = new Date('2026-06-01T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

let seq = 0;
const person = (days: number, important = false): RequesterDemand => ({
  requesterId: `r${++seq}`,
  lastRequestedAt: daysAgo(days),
  important,
});
const account = (
  name: string,
  days: number,
  revenue: number | null = null,
  tier: string | null = null,
): CompanyDemand => ({ companyId: `c-${name}`, name, revenue, tier, lastRequestedAt: daysAgo(days) });

const model = (overrides: Partial<ScoringModel> = {}): ScoringModel => ({ ...DEFAULT_SCORING, ...overrides });
const log2 = Math.log2;

describe('scoreFeature', () => {
  it.each<[string, Demand, Partial<ScoringModel>, number]>([
    ['nobody asked (a feature imported from the backlog)', { requesters: [], companies: [] }, {}, 0],
    ['one person at a free-mail address, today', { requesters: [person(0)], companies: [] }, {}, 1],
    [
      'one person at a company with no revenue known',
      { requesters: [person(0)], companies: [account('Initech', 0)] },
      {},
      1 + 2,
    ],
    [
      'two people at Acme (120k ARR), one company counted once',
      { requesters: [person(0), person(1)], companies: [account('Acme', 0, 120_000)] },
      { halfLifeDays: 0 },
      2 + 2 + log2(13),
    ],
    [
      'enterprise tier doubles the company and revenue points, not the people',
      {
        requesters: [person(0)],
        companies: [account('Globex', 0, 1_000_000, 'enterprise')],
      },
      { halfLifeDays: 0, tiers: { enterprise: 2 } },
      1 + 2 * (2 + log2(101)),
    ],
    [
      'tier names match whatever their case in the request',
      { requesters: [person(0)], companies: [account('Globex', 0, null, ' Enterprise ')] },
      { halfLifeDays: 0, tiers: { ENTERPRISE: 3 } },
      1 + 3 * 2,
    ],
    [
      'a tier not listed multiplies by 1',
      { requesters: [person(0)], companies: [account('Hooli', 0, null, 'startup')] },
      { halfLifeDays: 0, tiers: { enterprise: 3 } },
      1 + 2,
    ],
    [
      'a tier weighted 0 (churned accounts) leaves only the people',
      { requesters: [person(0)], companies: [account('Gone', 0, 50_000, 'churned')] },
      { halfLifeDays: 0, tiers: { churned: 0 } },
      1,
    ],
    [
      'an account manager marked it important',
      { requesters: [person(0, true), person(0)], companies: [] },
      { halfLifeDays: 0 },
      2 + 2,
    ],
    [
      'a request exactly one half-life old counts half',
      { requesters: [person(180)], companies: [account('Acme', 180)] },
      {},
      (1 + 2) / 2,
    ],
    ['two half-lives: a quarter', { requesters: [person(360)], companies: [] }, {}, 0.25],
    [
      'halfLifeDays 0: a three-year-old request counts in full',
      { requesters: [person(3 * 365)], companies: [account('Acme', 3 * 365)] },
      { halfLifeDays: 0 },
      3,
    ],
    [
      'a receivedAt a little in the future (a source clock ahead) counts as now',
      { requesters: [person(-0.5)], companies: [] },
      {},
      1,
    ],
    [
      'revenue 0, negative or unknown adds nothing',
      {
        requesters: [],
        companies: [account('A', 0, 0), account('B', 0, -5), account('C', 0, null)],
      },
      { halfLifeDays: 0 },
      6,
    ],
    [
      'custom weights: people only',
      { requesters: [person(0), person(0)], companies: [account('Acme', 0, 1e6, 'gold')] },
      { requester: 5, company: 0, revenue: { weight: 0, unit: 1 }, tiers: { gold: 10 }, halfLifeDays: 0 },
      10,
    ],
  ])('%s', (_name, demand, overrides, expected) => {
    const { score, breakdown } = scoreFeature(demand, model(overrides), NOW);
    expect(score).toBeCloseTo(expected, 2);
    expect(breakdown.score).toBe(score);
    const t = breakdown.terms;
    const total =
      t.requesters.points + t.important.points + t.companies.points + t.revenue.points + t.tiers.points;
    expect(total).toBeCloseTo(score, 1);
  });

  it('revenue has diminishing returns: ten times the revenue is far less than ten times the points', () => {
    const points = (revenue: number) =>
      scoreFeature(
        { requesters: [], companies: [account('X', 0, revenue)] },
        model({ company: 0, halfLifeDays: 0 }),
        NOW,
      ).breakdown.terms.revenue.points;
    expect(points(10_000)).toBeCloseTo(1, 2);
    expect(points(100_000)).toBeCloseTo(log2(11), 2);
    expect(points(1_000_000)).toBeCloseTo(log2(101), 2);
    expect(points(1_000_000) / points(100_000)).toBeLessThan(2);
    // Each doubling (well above the unit) adds about one weight.
    expect(points(2_000_000) - points(1_000_000)).toBeCloseTo(1, 1);
  });

  it('ranks like a product owner would: broad recent demand and big accounts over one old voice', () => {
    const m = model({ tiers: { enterprise: 2 } });
    const score = (d: Demand) => scoreFeature(d, m, NOW).score;
    const oneOldVoice = score({ requesters: [person(400)], companies: [account('Small', 400, 5_000)] });
    const tenFreeMailPeople = score({
      requesters: Array.from({ length: 10 }, () => person(5)),
      companies: [],
    });
    const twoEnterprises = score({
      requesters: [person(10), person(20)],
      companies: [account('Globex', 10, 2_000_000, 'enterprise'), account('Acme', 20, 800_000, 'Enterprise')],
    });
    const sameButAYearAgo = score({
      requesters: [person(375), person(385)],
      companies: [
        account('Globex', 375, 2_000_000, 'enterprise'),
        account('Acme', 385, 800_000, 'Enterprise'),
      ],
    });
    expect(twoEnterprises).toBeGreaterThan(tenFreeMailPeople);
    expect(tenFreeMailPeople).toBeGreaterThan(oneOldVoice);
    expect(sameButAYearAgo).toBeLessThan(twoEnterprises / 3);
  });

  it('the breakdown names each term, its inputs and the decay, so a product owner can see why', () => {
    const { breakdown } = scoreFeature(
      {
        requesters: [person(0, true), person(90), person(180)],
        companies: [
          account('Globex', 0, 1_000_000, 'Enterprise'),
          account('Initech', 180, null, 'smb'),
          account('Acme', 90, 120_000),
        ],
      },
      model({ tiers: { enterprise: 2 } }),
      NOW,
    );
    const half = 0.5;
    const quarterLife = 0.5 ** 0.5;
    expect(breakdown.terms.requesters).toEqual({
      count: 3,
      weight: 1,
      undecayed: 3,
      points: Number((1 + quarterLife + half).toFixed(2)),
    });
    expect(breakdown.terms.important).toEqual({ count: 1, weight: 2, undecayed: 2, points: 2 });
    expect(breakdown.terms.companies).toMatchObject({ count: 3, weight: 2, undecayed: 6 });
    expect(breakdown.terms.revenue).toMatchObject({
      count: 2,
      unit: 10_000,
      totalRevenue: 1_120_000,
      undecayed: Number((log2(101) + log2(13)).toFixed(2)),
    });
    expect(breakdown.terms.tiers).toMatchObject({
      count: 1,
      companiesByTier: { enterprise: 1, smb: 1 },
      multipliers: { enterprise: 2 },
      points: Number((2 + log2(101)).toFixed(2)),
    });
    expect(breakdown.recency).toEqual({
      halfLifeDays: 180,
      undecayedScore: expect.any(Number),
      newestRequestDays: 0,
      oldestRequestDays: 180,
    });
    expect(breakdown.recency.undecayedScore).toBeGreaterThan(breakdown.score);
    expect(breakdown.topCompanies.map((c) => c.name)).toEqual(['Globex', 'Acme', 'Initech']);
    expect(breakdown.topCompanies[0]).toMatchObject({ multiplier: 2, decay: 1, ageDays: 0 });
    expect(breakdown.topCompanies[2]).toMatchObject({ decay: 0.5, ageDays: 180, points: 1 });
    expect(breakdown.scoredAt).toBe(NOW.toISOString());
  });

  it('lists at most five top companies', () => {
    const companies = Array.from({ length: 8 }, (_, i) => account(`Co${i}`, 0, (i + 1) * 10_000));
    const { breakdown } = scoreFeature({ requesters: [], companies }, model(), NOW);
    expect(breakdown.topCompanies.map((c) => c.name)).toEqual(['Co7', 'Co6', 'Co5', 'Co4', 'Co3']);
    expect(breakdown.terms.companies.count).toBe(8);
  });
});
