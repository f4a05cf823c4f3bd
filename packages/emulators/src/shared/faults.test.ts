import { describe, expect, it } from 'vitest';
import { type FaultSpec, Faults } from './faults.ts';

/** The draws a `rate` fault makes, in order; then 0.99 (a pass at any rate below 1). */
const draws = (values: number[]) => {
  let i = 0;
  return () => values[i++] ?? 0.99;
};

/** Which of `calls` consecutive calls fail with a server error ('x') or pass ('.'). */
function pattern(faults: Faults, calls: number, tick?: () => void): string {
  let out = '';
  for (let i = 0; i < calls; i++) {
    out += faults.nextCall()?.kind === 'server-error' ? 'x' : '.';
    tick?.();
  }
  return out;
}

describe('Faults: server errors', () => {
  it.each<[string, NonNullable<FaultSpec['serverError']>, number[], string]>([
    ['count: the next N calls', { count: 2 }, [], 'xx......'],
    [
      'rate without a window: drawn until cleared',
      { rate: 0.3 },
      [0.1, 0.5, 0.29, 0.3, 0.9, 0.0],
      'x.x..x..',
    ],
    [
      'rate with a count: N calls drawn, then none',
      { count: 4, rate: 0.5 },
      [0.1, 0.6, 0.2, 0.7, 0, 0],
      'x.x.....',
    ],
    ['rate 1: every call, no draw needed', { rate: 1 }, [], 'xxxxxxxx'],
    ['rate 0: none', { rate: 0 }, [0, 0, 0], '........'],
    ['count 0 with a rate: an empty window, not an open one', { count: 0, rate: 1 }, [], '........'],
    ['no count, no duration, no rate: nothing (as before rates existed)', {}, [], '........'],
  ])('%s', (_name, serverError, values, expected) => {
    const faults = new Faults({ random: draws(values) });
    faults.set({ serverError });
    expect(pattern(faults, 8)).toBe(expected);
  });

  it('rate with a duration: calls are drawn while the window lasts, then pass', () => {
    let now = 1_000;
    const faults = new Faults({ now: () => now, random: () => 0 });
    faults.set({ serverError: { forMs: 300, rate: 0.5 } });
    expect(pattern(faults, 5, () => (now += 100))).toBe('xxx..');
  });

  it('the same seed fails the same calls; another seed fails others; the share is about the rate', () => {
    const run = (seed: number) => {
      const faults = new Faults({ random: () => 0 });
      faults.set({ serverError: { rate: 0.3, seed } });
      return pattern(faults, 1_000);
    };
    expect(run(42)).toBe(run(42));
    expect(run(42)).not.toBe(run(7));
    const failed = run(42).replaceAll('.', '').length;
    expect(failed).toBeGreaterThan(240);
    expect(failed).toBeLessThan(360);
  });

  it('keeps the status: 503 by default, the one asked for otherwise', () => {
    const faults = new Faults({ random: () => 0 });
    faults.set({ serverError: { rate: 0.5 } });
    expect(faults.nextCall()).toEqual({ kind: 'server-error', status: 503 });
    faults.set({ serverError: { rate: 0.5, status: 502 } });
    expect(faults.nextCall()).toEqual({ kind: 'server-error', status: 502 });
  });

  it('a rate limit comes first; a rate-limited call draws nothing', () => {
    const seen: number[] = [];
    const faults = new Faults({
      random: () => {
        seen.push(1);
        return 0;
      },
    });
    faults.set({ rateLimit: { count: 1 }, serverError: { rate: 0.5 } });
    expect(faults.nextCall()?.kind).toBe('rate-limited');
    expect(seen).toHaveLength(0);
    expect(faults.nextCall()?.kind).toBe('server-error');
  });

  it('describes the rate fault, and clear() ends it', () => {
    const faults = new Faults({ now: () => 5_000, random: () => 0 });
    faults.set({ serverError: { rate: 0.3, seed: 9, status: 500 } });
    expect(faults.describe().serverError).toEqual({
      remaining: 0,
      until: 0,
      untilCleared: true,
      status: 500,
      rate: 0.3,
      seed: 9,
    });
    faults.set({ serverError: { forMs: 1_000 } });
    expect(faults.describe().serverError).toEqual({
      remaining: 0,
      until: 6_000,
      untilCleared: false,
      status: 503,
      rate: 1,
      seed: null,
    });
    faults.set({ serverError: { rate: 1 } });
    faults.clear();
    expect(faults.describe().serverError).toBeNull();
    expect(faults.nextCall()).toBeUndefined();
  });
});
