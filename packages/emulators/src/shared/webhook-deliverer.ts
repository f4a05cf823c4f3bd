import type { Faults } from './faults.ts';

/**
 * Sends an emulator's webhooks the way the real services do: signed, with a delivery id that stays the same across
 * retries, retried with backoff when the receiver fails or times out, and subject to the injected webhook faults
 * (dropped, delayed, duplicated, reordered).
 */

/** The newest deliveries kept for `/_emulator/webhooks`; older ones are forgotten. */
const MAX_RECORDS = 1_000;

export interface OutgoingWebhook {
  /** Stable across retries and duplicates (X-Atlassian-Webhook-Identifier, Linear-Delivery). */
  deliveryId: string;
  url: string;
  event: string;
  /** Builds the raw body and headers for one attempt (0 = first); Linear re-stamps its timestamp each time. */
  build(attempt: number): { body: string; headers: Record<string, string> };
}

export interface DeliveryAttempt {
  at: string;
  status?: number | undefined;
  error?: string | undefined;
}

export interface DeliveryRecord {
  deliveryId: string;
  url: string;
  event: string;
  state: 'pending' | 'delivered' | 'failed' | 'dropped';
  attempts: DeliveryAttempt[];
  /** The body of the last attempt, for tests and the emulator's state view. */
  lastBody?: string | undefined;
}

export interface DelivererOptions {
  faults: Faults;
  /** Delay before each retry; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  timeoutMs?: number;
  /** Which answers count as a failure to retry (default: anything but 2xx). */
  shouldRetry?: (status: number) => boolean;
}

export class WebhookDeliverer {
  private readonly records: DeliveryRecord[] = [];
  private readonly pending = new Set<Promise<void>>();
  private held: Array<() => void> = [];
  private readonly sleeping = new Map<NodeJS.Timeout, () => void>();
  private readonly abort = new AbortController();
  private closed = false;
  private readonly retryDelaysMs: readonly number[];
  private readonly timeoutMs: number;
  private readonly shouldRetry: (status: number) => boolean;

  private readonly options: DelivererOptions;

  constructor(options: DelivererOptions) {
    this.options = options;
    this.retryDelaysMs = options.retryDelaysMs ?? [200, 1_000, 5_000];
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.shouldRetry = options.shouldRetry ?? ((status) => status < 200 || status >= 300);
  }

  send(webhook: OutgoingWebhook): void {
    const faults = this.options.faults;
    const record: DeliveryRecord = {
      deliveryId: webhook.deliveryId,
      url: webhook.url,
      event: webhook.event,
      state: 'pending',
      attempts: [],
    };
    this.records.push(record);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    if (faults.webhookDrop > 0) {
      faults.webhookDrop--;
      record.state = 'dropped';
      return;
    }
    const copies = faults.webhookDuplicate > 0 ? 2 : 1;
    if (copies === 2) faults.webhookDuplicate--;
    const start = () => {
      for (let i = 0; i < copies; i++) this.track(this.deliver(webhook, record));
    };
    // A reorder fault cleared or lowered meanwhile must not strand what it held.
    if (faults.webhookReorder <= this.held.length) this.releaseHeld();
    if (faults.webhookReorder > 1) {
      this.held.push(start);
      if (this.held.length >= faults.webhookReorder) {
        const batch = this.held.reverse();
        this.held = [];
        faults.webhookReorder = 0;
        for (const go of batch) go();
      }
      return;
    }
    start();
  }

  list(): readonly DeliveryRecord[] {
    return this.records;
  }

  /** How many deliveries a reorder fault is holding back. */
  heldCount(): number {
    return this.held.length;
  }

  /** Sends what a reorder fault holds, in reverse order (when the fault is cleared before its batch filled). */
  releaseHeld(): void {
    const batch = this.held.reverse();
    this.held = [];
    for (const go of batch) go();
  }

  /** Resolves once nothing is in flight or waiting for a retry (deliveries held by a reorder fault excepted). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  reset(): void {
    this.records.length = 0;
    this.held = [];
  }

  /** Abandons retries, delays and requests in flight; resolves promptly. */
  async close(): Promise<void> {
    this.closed = true;
    this.abort.abort();
    for (const [timer, resolve] of this.sleeping) {
      clearTimeout(timer);
      resolve();
    }
    this.sleeping.clear();
    await Promise.allSettled([...this.pending]);
  }

  private track(promise: Promise<void>): void {
    this.pending.add(promise);
    promise.catch(() => {}).finally(() => this.pending.delete(promise));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const timer = setTimeout(() => {
        this.sleeping.delete(timer);
        resolve();
      }, ms);
      this.sleeping.set(timer, resolve);
    });
  }

  private async deliver(webhook: OutgoingWebhook, record: DeliveryRecord): Promise<void> {
    if (this.options.faults.webhookDelayMs > 0) await this.sleep(this.options.faults.webhookDelayMs);
    for (let attempt = 0; attempt <= this.retryDelaysMs.length && !this.closed; attempt++) {
      if (attempt > 0) await this.sleep(this.retryDelaysMs[attempt - 1] ?? 0);
      if (this.closed) break;
      const at = new Date().toISOString();
      try {
        const { body, headers } = webhook.build(attempt);
        record.lastBody = body;
        const res = await fetch(webhook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
          // A redirect is not a delivery: the services treat 3xx as a failure rather than re-sending elsewhere.
          redirect: 'manual',
          signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.abort.signal]),
        });
        await res.arrayBuffer().catch(() => undefined);
        record.attempts.push({ at, status: res.status });
        if (!this.shouldRetry(res.status)) {
          record.state = res.ok ? 'delivered' : 'failed';
          return;
        }
      } catch (err) {
        record.attempts.push({
          at,
          error: (err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message,
        });
      }
    }
    record.state = 'failed';
  }
}
