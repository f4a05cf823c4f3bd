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
 * - Requests that arrived within the window belong in its push, but triage may still be working through a burst
 *   when the window closes: the push then waits for the requests accepted in the window's last two lengths to be
 *   triaged, one more window at most (`triageWait`), so the issue is made once with its demand whole rather than
 *   made and updated again a window later.
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
  const window = windowOf(state, windowSeconds);
  return new Date(window ? Math.max(now, window.closes) : now).toISOString();
}

/**
 * When the window of the state's unpushed changes closes, and its length in ms; undefined for a linked issue never
 * pushed to, which gets the demand at once.
 */
function windowOf(state: CoalesceState, windowSeconds: number): { closes: number; ms: number } | undefined {
  if (state.lastPushedAt === null && state.hasIssue) return undefined;
  const ms = Math.max(0, Number.isFinite(windowSeconds) ? windowSeconds : 0) * 1000;
  const firstDirty = parse(state.firstDirtyAt, 'firstDirtyAt');
  const lastPushed = state.lastPushedAt === null ? -Infinity : parse(state.lastPushedAt, 'lastPushedAt');
  return { closes: Math.max(firstDirty + ms, lastPushed + ms), ms };
}

/** What a push whose window closed waits for: untriaged requests accepted in [`from`, `to`], until `until` at most. */
export interface TriageWait {
  from: Date;
  to: Date;
  until: Date;
}

/**
 * The triage a push due now waits for; undefined when it waits for none: no window, a linked issue pushed to at
 * once, a push asked for before its window closed ("push now"), or one past the longest wait (the redrive).
 */
export function triageWait(state: CoalesceState, windowSeconds: number): TriageWait | undefined {
  const window = windowOf(state, windowSeconds);
  if (!window || window.ms === 0) return undefined;
  const { closes, ms } = window;
  const now = parse(state.now, 'now');
  if (now < closes || now >= closes + ms) return undefined;
  return { from: new Date(closes - 2 * ms), to: new Date(closes), until: new Date(closes + ms) };
}

function parse(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not a valid time: ${JSON.stringify(iso)}`);
  return ms;
}
