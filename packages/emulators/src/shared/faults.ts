/**
 * Faults a test (or a person trying the sandbox) can inject into an emulator through `/_emulator/faults`:
 * the next N calls rate-limited or failing with 5xx, or for a duration; a share of calls failing with 5xx; added
 * latency; and webhook deliveries dropped, delayed, duplicated or reordered. Each emulator turns "rate limited"
 * and "server error" into its service's exact shape.
 */

export interface CallFaultSpec {
  /** Affect the next `count` calls… */
  count?: number | undefined;
  /** …or every call for this many milliseconds. */
  forMs?: number | undefined;
}

export interface FaultSpec {
  rateLimit?: (CallFaultSpec & { retryAfterSeconds?: number | undefined }) | undefined;
  serverError?:
    | (CallFaultSpec & {
        status?: number | undefined;
        /**
         * The share of calls in the window that fail (0..1, default 1), each call drawn on its own. With neither
         * `count` nor `forMs`, every call until the faults are cleared is drawn.
         */
        rate?: number | undefined;
        /** Seeds those draws, so the same sequence of calls meets the same failures. */
        seed?: number | undefined;
      })
    | undefined;
  latencyMs?: number | undefined;
  /**
   * Hold each API answer this long after the call took effect: the caller has not heard back yet although the
   * change is made (to crash a client between a tracker's write and its own record of it).
   */
  responseDelayMs?: number | undefined;
  webhooks?:
    | {
        /** Drop the next N deliveries (the receiver never sees them, no retry). */
        drop?: number | undefined;
        /** Hold each delivery this long before sending. */
        delayMs?: number | undefined;
        /** Send each of the next N deliveries twice (same delivery id). */
        duplicate?: number | undefined;
        /** Hold deliveries and send the held batch in reverse order once `reorder` of them are waiting. */
        reorder?: number | undefined;
      }
    | undefined;
}

interface Window {
  remaining: number;
  until: number;
  /** Neither a count nor a duration: every call until the faults are cleared (only a `rate` fault is open-ended). */
  untilCleared: boolean;
}

export type CallFault =
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'server-error'; status: number }
  | undefined;

function windowOf(spec: CallFaultSpec, now: number, openEnded = false): Window {
  return {
    remaining: spec.count ?? 0,
    until: spec.forMs ? now + spec.forMs : 0,
    untilCleared: openEnded && spec.count === undefined && spec.forMs === undefined,
  };
}

/** mulberry32: a small seeded generator of numbers in [0, 1), good enough to pick which calls fail. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function take(window: Window | undefined, now: number): boolean {
  if (!window) return false;
  if (window.untilCleared || window.until > now) return true;
  if (window.remaining > 0) {
    window.remaining--;
    return true;
  }
  return false;
}

export class Faults {
  private rateLimit: (Window & { retryAfterSeconds: number }) | undefined;
  private serverError: (Window & { status: number; rate: number; seed: number | null }) | undefined;
  /** Draws for the server error's `rate`: seeded when the fault names a seed, else the injected source. */
  private serverErrorDraw: () => number;
  latencyMs = 0;
  responseDelayMs = 0;
  webhookDrop = 0;
  webhookDelayMs = 0;
  webhookDuplicate = 0;
  webhookReorder = 0;

  private readonly now: () => number;
  private readonly random: () => number;
  constructor({ now = Date.now, random = Math.random }: { now?: () => number; random?: () => number } = {}) {
    this.now = now;
    this.random = random;
    this.serverErrorDraw = random;
  }

  set(spec: FaultSpec): void {
    const now = this.now();
    if (spec.rateLimit) {
      const retryAfterSeconds = spec.rateLimit.retryAfterSeconds ?? 30;
      this.rateLimit = { ...windowOf(spec.rateLimit, now), retryAfterSeconds };
    }
    if (spec.serverError) {
      const { status = 503, rate, seed } = spec.serverError;
      this.serverError = {
        ...windowOf(spec.serverError, now, rate !== undefined),
        status,
        rate: rate ?? 1,
        seed: seed ?? null,
      };
      this.serverErrorDraw = seed === undefined ? this.random : seededRandom(seed);
    }
    if (spec.latencyMs !== undefined) this.latencyMs = spec.latencyMs;
    if (spec.responseDelayMs !== undefined) this.responseDelayMs = spec.responseDelayMs;
    if (spec.webhooks) {
      this.webhookDrop = spec.webhooks.drop ?? this.webhookDrop;
      this.webhookDelayMs = spec.webhooks.delayMs ?? this.webhookDelayMs;
      this.webhookDuplicate = spec.webhooks.duplicate ?? this.webhookDuplicate;
      this.webhookReorder = spec.webhooks.reorder ?? this.webhookReorder;
    }
  }

  clear(): void {
    this.rateLimit = undefined;
    this.serverError = undefined;
    this.latencyMs = 0;
    this.responseDelayMs = 0;
    this.webhookDrop = 0;
    this.webhookDelayMs = 0;
    this.webhookDuplicate = 0;
    this.webhookReorder = 0;
  }

  /** Decides the fault for one API call (rate limiting first, as a real service's edge would). */
  nextCall(): CallFault {
    const now = this.now();
    if (this.rateLimit && take(this.rateLimit, now))
      return { kind: 'rate-limited', retryAfterSeconds: this.rateLimit.retryAfterSeconds };
    // A call in the window is drawn; with `rate` 1 (the default) every one fails, and no draw is made.
    if (this.serverError && take(this.serverError, now)) {
      const { rate, status } = this.serverError;
      if (rate >= 1 || this.serverErrorDraw() < rate) return { kind: 'server-error', status };
    }
    return undefined;
  }

  describe() {
    return {
      rateLimit: this.rateLimit ?? null,
      serverError: this.serverError ?? null,
      latencyMs: this.latencyMs,
      responseDelayMs: this.responseDelayMs,
      webhooks: {
        drop: this.webhookDrop,
        delayMs: this.webhookDelayMs,
        duplicate: this.webhookDuplicate,
        reorder: this.webhookReorder,
      },
    };
  }
}
