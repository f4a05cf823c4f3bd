import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a value (not undefined) or the deadline passes; an error thrown by the probe ends
 * the wait at once. Every wait in the suite is bounded this way.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs, intervalMs = 500 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Retries `fn` until it succeeds or `timeoutMs` passes (for calls made while faults are being injected). */
export async function retrying<T>(what: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 200;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + delay > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(delay);
      delay = Math.min(delay * 2, 2_000);
    }
  }
}
