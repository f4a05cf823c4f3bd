import { describe, expect, it } from 'vitest';
import { coalesce, type Settled } from '../src/application/coalesce.ts';

/** The batching under triage (application/coalesce.ts): who waits, who goes together, who gets what. */

describe('coalesce', () => {
  it('runs the first call alone and the calls that came meanwhile together, each answered on its own', async () => {
    const runs: string[][] = [];
    const call = coalesce<string>(async (keys) => {
      runs.push([...keys]);
      await new Promise((r) => setTimeout(r, 5));
      return new Map<string, Settled<string>>(
        keys.map((k) => [
          k,
          k === 'bad' ? { ok: false, error: new Error(`no ${k}`) } : { ok: true, value: k.toUpperCase() },
        ]),
      );
    }, 3);
    const results = await Promise.allSettled(['a', 'b', 'c', 'b', 'bad', 'd'].map((k) => call(k)));
    // At most three keys a run, a repeated key in the run after the first.
    expect(runs).toEqual([['a'], ['b', 'c', 'bad'], ['b', 'd']]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'A',
      'B',
      'C',
      'B',
      'no bad',
      'D',
    ]);
  });

  it('puts the keys a run left back in front of later calls; a run that throws fails its callers', async () => {
    const runs: string[][] = [];
    const call = coalesce<string>(async (keys) => {
      runs.push([...keys]);
      await new Promise((r) => setTimeout(r, 5));
      if (keys.includes('boom')) throw new Error('run failed');
      // Deals with the first two only.
      return new Map<string, Settled<string>>(keys.slice(0, 2).map((k) => [k, { ok: true, value: k }]));
    }, 10);
    const first = call('a');
    const waiting = ['b', 'c', 'd', 'e'].map((k) => call(k));
    await first;
    const late = call('boom');
    const results = await Promise.allSettled([...waiting, late]);
    // d and e, left by the second run, go before boom, which came after; the third run throws.
    expect(runs).toEqual([['a'], ['b', 'c', 'd', 'e'], ['d', 'e', 'boom']]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
    ]);
  });
});
