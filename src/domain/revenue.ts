/**
 * Revenue, wherever it comes from, is annual: what `scoring.revenue` weighs and what a request's
 * `requester.company.revenue` says. A monthly figure (MRR, monthly spend) is twelve months of it, rounded to cents.
 */

const MONTHS_PER_YEAR = 12;

export function annualFromMonthly(monthly: number): number {
  return Math.round(monthly * MONTHS_PER_YEAR * 100) / 100;
}
