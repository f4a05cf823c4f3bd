/**
 * The customer-facing status of a feature (as requesters are told it). Defined here, in the pure domain layer, so that
 * `rules/` can reason about statuses without importing the store; the store's enum column should be built from
 * this same list.
 */
export const FEATURE_STATUSES = [
  'received',
  'under_review',
  'planned',
  'in_progress',
  'shipped',
  'declined',
  'merged',
] as const;

export type FeatureStatus = (typeof FEATURE_STATUSES)[number];
