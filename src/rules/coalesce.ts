/**
 * When a feature's pending tracker update should run. Each new request marks the feature dirty (keeping the time
 * of the first unpushed change); the push job is scheduled for the time returned here, deduplicated per feature,
 * so every request of a burst lands in the same job.
 *
 * - The update runs `window` after the *first* unpushed change, not after the latest one: a debounce that restarts
 *   on every request would postpone the update forever under a steady trickle of requests; anchoring on the first
 *   change bounds the product owner's wait to one window, and a burst of ten requests inside it makes one update.
 * - It also runs at least `window` after the previous push, so a change that arrives while a push is in flight
 *   (dirty before the push finished recording) cannot trigger a second update right behind it.
 * - A feature never pushed (`lastPushedAt` null) is created at once: the first push makes the issue the product
 *   owner is waiting for, and the requests that follow it within the window coalesce into one update.
 * - Never earlier than `now`: a time in the past (a lost job found by the redrive) means "run now".
 */
interface CoalesceState {
  /** When the tracker was last updated for this feature (ISO 8601), or null if it never was. */
  lastPushedAt: string | null;
  /** The first change not yet pushed (ISO 8601). */
  firstDirtyAt: string;
  now: string;
}

export function nextPushAt(state: CoalesceState, windowSeconds: number): string {
  const now = parse(state.now, 'now');
  const firstDirty = parse(state.firstDirtyAt, 'firstDirtyAt');
  if (state.lastPushedAt === null) return new Date(Math.max(now, firstDirty)).toISOString();
  const windowMs = Math.max(0, Number.isFinite(windowSeconds) ? windowSeconds : 0) * 1000;
  const lastPushed = parse(state.lastPushedAt, 'lastPushedAt');
  return new Date(Math.max(now, firstDirty + windowMs, lastPushed + windowMs)).toISOString();
}

function parse(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not a valid time: ${JSON.stringify(iso)}`);
  return ms;
}
