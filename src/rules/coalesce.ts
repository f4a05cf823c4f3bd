/**
 * When a feature's pending tracker push should run. Each new request marks the feature dirty (keeping the time
 * of the first unpushed change); the push job is scheduled for the time returned here, deduplicated per feature,
 * so every request of a burst lands in the same job.
 *
 * - The push runs `window` after the *first* unpushed change, not after the latest one: a debounce that restarts
 *   on every request would postpone it forever under a steady trickle of requests; anchoring on the first change
 *   bounds the product owner's wait to one window, and a burst of ten requests inside it makes one push.
 * - That holds for the first push too: a feature with no issue yet is created one window after its first unpushed
 *   change, so the requests arriving within the window go into the create. The product owner waits at most one
 *   window for the issue, and it arrives with its demand whole (requests, link back, customer requests) instead of
 *   a create followed at once by an update.
 * - Later pushes also run at least `window` after the previous push, so a change that arrives while a push is in
 *   flight (dirty before the push finished recording) cannot trigger a second update right behind it.
 * - A linked existing issue the service never pushed to (`hasIssue`, `lastPushedAt` null) gets the demand at once:
 *   nothing is created, and the person who linked it is looking at it.
 * - Never earlier than `now`: a time in the past (a lost job found by the redrive) means "run now".
 */
interface CoalesceState {
  /** When the tracker was last updated for this feature (ISO 8601), or null if it never was. */
  lastPushedAt: string | null;
  /** Whether the link already has an issue (linked by hand, or created by an earlier push). */
  hasIssue: boolean;
  /** The first change not yet pushed (ISO 8601). */
  firstDirtyAt: string;
  now: string;
}

export function nextPushAt(state: CoalesceState, windowSeconds: number): string {
  const now = parse(state.now, 'now');
  const firstDirty = parse(state.firstDirtyAt, 'firstDirtyAt');
  if (state.lastPushedAt === null && state.hasIssue) return new Date(now).toISOString();
  const windowMs = Math.max(0, Number.isFinite(windowSeconds) ? windowSeconds : 0) * 1000;
  const lastPushed = state.lastPushedAt === null ? -Infinity : parse(state.lastPushedAt, 'lastPushedAt');
  return new Date(Math.max(now, firstDirty + windowMs, lastPushed + windowMs)).toISOString();
}

function parse(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not a valid time: ${JSON.stringify(iso)}`);
  return ms;
}
