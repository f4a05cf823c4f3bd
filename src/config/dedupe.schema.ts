import { z } from 'zod';

/**
 * `dedupe:` in the YAML config: the two thresholds triage decides with (rules/dedupe/engine.ts) until the team's
 * answers support others (rules/dedupe/calibrate.ts, at `precisionTarget`), and product words added to the built-in
 * synonym and opposite tables. Changing the synonyms rebuilds the index at the next start.
 */

const threshold = (name: string) =>
  z
    .number({ error: `${name} must be a number from 0 to 1` })
    .min(0, `${name} must be from 0 to 1`)
    .max(1, `${name} must be from 0 to 1`);

const phrase = z.string({ error: 'expected a word or phrase' }).trim().min(1, 'expected a word or phrase');

export const dedupeSchema = z
  .strictObject({
    /** At or above: the request joins the feature. Default: the engine's. */
    autoMerge: threshold('autoMerge').optional(),
    /** At or above (and below autoMerge): a new feature marked "possible duplicate of" the candidate. */
    review: threshold('review').optional(),
    /**
     * The share of right answers a threshold read off the team's answers must keep (a one-sided 95% bound): merges
     * above auto-merge, dismissals below review. Higher needs more answers before a threshold moves; at least 0.8
     * (11 answers), so that no threshold moves on a handful of them.
     */
    precisionTarget: z
      .number({ error: 'precisionTarget must be a number from 0.8 to below 1' })
      .gte(0.8, 'precisionTarget must be at least 0.8 (lower lets a threshold move on a handful of answers)')
      .lt(1, 'precisionTarget must be below 1')
      .default(0.95),
    /** Each group's phrases mean one thing here ("workspace", "project", "space"). */
    synonyms: z.array(z.array(phrase).min(2, 'a synonym group needs at least two phrases')).default([]),
    /** Words that make two requests different needs ("archive" / "restore"). */
    opposites: z.array(z.tuple([phrase, phrase], { error: 'expected a pair of words: [a, b]' })).default([]),
  })
  .prefault({})
  .refine((d) => d.review === undefined || d.autoMerge === undefined || d.review <= d.autoMerge, {
    error: 'review must not be above autoMerge',
    path: ['review'],
  });
