import { setTimeout as sleep } from 'node:timers/promises';

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
