/**
 * The demand a tracker issue shows: rendered as markdown for Linear (`demand-markdown.ts`) and ADF for Jira
 * (`demand-adf.ts`) from one content model (`demand-content.ts`), plus the Linear priority the score implies.
 */

export type { AdfDoc, AdfMark, AdfNode } from './demand-adf.ts';
export { adfPlainText, demandAdf, replaceDemandAdf } from './demand-adf.ts';
export type { DemandOptions } from './demand-content.ts';
export { DEMAND_END, DEMAND_TITLE } from './demand-content.ts';
export { demandMarkdown, escapeMarkdown, replaceDemandMarkdown } from './demand-markdown.ts';

/** Linear priority: 0 none, 1 urgent, 2 high, 3 medium, 4 low. */
export type LinearPriority = 0 | 1 | 2 | 3 | 4;

export interface PriorityThresholds {
  /** Minimum score for urgent; unset: scores never make a feature urgent (a PO's call). */
  urgent?: number | undefined;
  high: number;
  medium: number;
  low: number;
}

/**
 * The Linear priority for a score: the highest level whose minimum the score reaches, else none. Levels are
 * checked from urgent down, so thresholds out of order make the lower level unreachable; the config schema should
 * require urgent ≥ high ≥ medium ≥ low. A score that is not a number gives none.
 */
export function priorityFromScore(score: number, thresholds: PriorityThresholds): LinearPriority {
  if (Number.isNaN(score)) return 0;
  if (thresholds.urgent !== undefined && score >= thresholds.urgent) return 1;
  if (score >= thresholds.high) return 2;
  if (score >= thresholds.medium) return 3;
  if (score >= thresholds.low) return 4;
  return 0;
}
