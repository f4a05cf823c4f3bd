/**
 * Faults a test (or a person trying the sandbox) can inject into an emulator through `/_emulator/faults`:
 * the next N calls rate-limited or failing with 5xx, or for a duration; added latency; and webhook deliveries
 * dropped, delayed, duplicated or reordered. Each emulator turns "rate limited" into its service's exact shape.
 */

export interface CallFaultSpec {
  /** Affect the next `count` calls… */
  count?: number | undefined;
  /** …or every call for this many milliseconds. */
  forMs?: number | undefined;
}

export interface FaultSpec {
  rateLimit?: (CallFaultSpec & { retryAfterSeconds?: number | undefined }) | undefined;
  serverError?: (CallFaultSpec & { status?: number | undefined }) | undefined;
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
}

export type CallFault =
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'server-error'; status: number }
  | undefined;

function windowOf(spec: CallFaultSpec | undefined, now: number): Window | undefined {
  if (!spec) return undefined;
  return { remaining: spec.count ?? 0, until: spec.forMs ? now + spec.forMs : 0 };
}

function take(window: Window | undefined, now: number): boolean {
  if (!window) return false;
  if (window.until > now) return true;
  if (window.remaining > 0) {
    window.remaining--;
    return true;
  }
  return false;
}

export class Faults {
  private rateLimit: (Window & { retryAfterSeconds: number }) | undefined;
  private serverError: (Window & { status: number }) | undefined;
  latencyMs = 0;
  responseDelayMs = 0;
  webhookDrop = 0;
  webhookDelayMs = 0;
  webhookDuplicate = 0;
  webhookReorder = 0;

  private readonly now: () => number;
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  set(spec: FaultSpec): void {
    const now = this.now();
    if (spec.rateLimit) {
      const w = windowOf(spec.rateLimit, now);
      if (w) this.rateLimit = { ...w, retryAfterSeconds: spec.rateLimit.retryAfterSeconds ?? 30 };
    }
    if (spec.serverError) {
      const w = windowOf(spec.serverError, now);
      if (w) this.serverError = { ...w, status: spec.serverError.status ?? 503 };
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
    if (this.serverError && take(this.serverError, now))
      return { kind: 'server-error', status: this.serverError.status };
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
