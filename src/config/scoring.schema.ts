import { z } from 'zod';
import { DEFAULT_SCORING, tierKey } from '../rules/score.ts';

/** `scoring:` in the YAML config: the weights of rules/score.ts (its doc comment has the formula). */

const points = () =>
  z
    .number({ error: 'expected a number of points (0 or more)' })
    .min(0, 'expected 0 or more points (a negative weight would count demand against a feature)');

export const scoringSchema = z
  .strictObject({
    requester: points().default(DEFAULT_SCORING.requester),
    company: points().default(DEFAULT_SCORING.company),
    revenue: z
      .strictObject({
        weight: points().default(DEFAULT_SCORING.revenue.weight),
        unit: z
          .number({ error: 'expected a revenue amount (the revenue worth one weight)' })
          .positive('expected a revenue amount above 0')
          .default(DEFAULT_SCORING.revenue.unit),
      })
      .prefault({}),
    tiers: z
      .record(
        z.string().trim().min(1, 'expected a tier name'),
        z
          .number({ error: 'expected a multiplier (a number, 0 or more; 1 changes nothing)' })
          .min(0, 'expected a multiplier of 0 or more'),
      )
      .default({})
      .superRefine((tiers, ctx) => {
        const seen = new Map<string, string>();
        for (const name of Object.keys(tiers)) {
          const other = seen.get(tierKey(name));
          if (other !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: `"${name}" and "${other}" name the same tier (tier names match case-insensitively)`,
            });
          }
          seen.set(tierKey(name), name);
        }
      }),
    important: points().default(DEFAULT_SCORING.important),
    halfLifeDays: z
      .number({ error: 'expected a number of days (0: no decay)' })
      .min(0, 'expected 0 (no decay) or more days')
      .default(DEFAULT_SCORING.halfLifeDays),
    rescoreIntervalSeconds: z
      .number({ error: 'expected a number of seconds' })
      .int('expected a whole number of seconds')
      .min(60, 'expected at least 60 seconds (every live feature is rescored each time)')
      .default(3600),
  })
  .prefault({});
