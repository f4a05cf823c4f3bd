import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTriageWaiter, LOOK_AGAIN_MS } from './tracker-push-wait.ts';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const payload = { linkId: '00000000-0000-4000-8000-000000000001', kind: 'linear' as const, site: 'default' };

function setup(oldest: { value: Date | undefined }) {
  const calls: string[] = [];
  const asked: Date[] = [];
  const waiter = createTriageWaiter({
    store: {
      requests: {
        oldestUntriagedSince: async (from) => {
          asked.push(from);
          return oldest.value && oldest.value >= from ? oldest.value : undefined;
        },
      },
    },
    queues: {
      enqueue: async (_name, _payload, options) => void calls.push(`enqueue +${options?.delayMs} ms`),
      enqueueNow: async () => void calls.push('now'),
      releaseDeduplication: async () => void calls.push('release'),
    },
    config: { push: { coalesceSeconds: 30 } },
    log: { warn: () => {} } as never,
    now: () => Date.now(),
  });
  return { waiter, calls, asked };
}

describe('push triage waiter', () => {
  afterEach(() => vi.useRealTimers());

  it('queues a push whose window closed with untriaged requests for the end of the wait, and runs it once they are triaged', async () => {
    vi.useFakeTimers({ now: at(31) });
    const oldest = { value: at(5) as Date | undefined };
    const { waiter, calls, asked } = setup(oldest);
    const link = { pushedAt: null, issueId: null, dirtySince: at(0) };
    expect(await waiter.defer(payload, link)).toBe(true);
    // Window [0, 30] closed at 30: the requests of [-30, 30], until 60 at most.
    expect(asked).toEqual([at(-30)]);
    expect(calls).toEqual(['release', 'enqueue +29000 ms']);
    expect(waiter.waiting).toBe(1);

    await vi.advanceTimersByTimeAsync(LOOK_AGAIN_MS);
    expect(calls).toHaveLength(2);
    oldest.value = at(31); // triage reached requests accepted after the window
    await vi.advanceTimersByTimeAsync(LOOK_AGAIN_MS);
    expect(calls.at(-1)).toBe('now');
    expect(waiter.waiting).toBe(0);
  });

  it('does not put off a push with nothing untriaged in its window, or one asked for before the window closed', async () => {
    vi.useFakeTimers({ now: at(31) });
    const { waiter, calls } = setup({ value: at(40) });
    expect(await waiter.defer(payload, { pushedAt: null, issueId: null, dirtySince: at(0) })).toBe(false);
    const early = setup({ value: at(5) });
    expect(await early.waiter.defer(payload, { pushedAt: null, issueId: null, dirtySince: at(20) })).toBe(
      false,
    );
    expect([...calls, ...early.calls]).toEqual([]);
  });

  it('leaves a push past the longest wait to run', async () => {
    vi.useFakeTimers({ now: at(45) });
    const oldest = { value: at(5) as Date | undefined };
    const { waiter, calls } = setup(oldest);
    expect(await waiter.defer(payload, { pushedAt: null, issueId: null, dirtySince: at(0) })).toBe(true);
    expect(calls).toEqual(['release', 'enqueue +15000 ms']);
    // Past the end of the wait the queued push runs by itself: the waiter lets it go.
    await vi.advanceTimersByTimeAsync(16_000);
    expect(waiter.waiting).toBe(0);
    expect(calls.filter((c) => c === 'now')).toEqual([]);
  });

  it('lets every waiting push go, with one warning, when it cannot look (a database closed at shutdown)', async () => {
    vi.useFakeTimers({ now: at(31) });
    const warnings: string[] = [];
    const failing = { value: true };
    const waiter = createTriageWaiter({
      store: {
        requests: {
          oldestUntriagedSince: async () => {
            if (failing.value && waiter.waiting > 0) throw new Error('database closed');
            return at(5);
          },
        },
      },
      queues: { enqueue: async () => {}, enqueueNow: async () => {}, releaseDeduplication: async () => {} },
      config: { push: { coalesceSeconds: 30 } },
      log: { warn: (_o: unknown, message: string) => void warnings.push(message) } as never,
      now: () => Date.now(),
    });
    failing.value = false;
    expect(await waiter.defer(payload, { pushedAt: null, issueId: null, dirtySince: at(0) })).toBe(true);
    failing.value = true;
    await vi.advanceTimersByTimeAsync(LOOK_AGAIN_MS * 4);
    expect(waiter.waiting).toBe(0);
    expect(warnings).toHaveLength(1);
  });
});
