import { describe, expect, it } from 'vitest';
import { coalesce, type Settled } from '../src/application/coalesce.ts';
import { indexRefresher } from '../src/application/index-refresh.ts';
import type { Logger } from '../src/log.ts';

/** The batching under triage (application/coalesce.ts): who waits, who goes together, who gets what; and when triage refreshes the index statistics. */

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

  it('runs the work after a run once its callers have their results, before the next run', async () => {
    const events: string[] = [];
    let afterTwice = () => {};
    const twice = new Promise<void>((resolve) => {
      afterTwice = resolve;
    });
    const call = coalesce<string>(
      async (keys) => {
        events.push(`run ${keys.join(',')}`);
        await new Promise((r) => setTimeout(r, 5));
        return new Map<string, Settled<string>>(keys.map((k) => [k, { ok: true, value: k }]));
      },
      10,
      async () => {
        events.push('after');
        if (events.filter((e) => e === 'after').length === 2) afterTwice();
        throw new Error('its failure is its own');
      },
    );
    const answered = (k: string) => call(k).then(() => events.push(`answered ${k}`));
    await Promise.all([answered('a'), answered('b'), answered('c')]);
    await twice;
    expect(events).toEqual(['run a', 'answered a', 'after', 'run b,c', 'answered b', 'answered c', 'after']);
  });
});

describe('the index refresh after triage', () => {
  /** Records the index's size at each refresh of each kind. */
  function recording() {
    const at = { visibility: [] as number[], statistics: [] as number[] };
    let documents = 0;
    const refresh = indexRefresher({
      visibility: async () => void at.visibility.push(documents),
      statistics: async () => void at.statistics.push(documents),
    });
    const grow = async (sizes: number[]) => {
      for (documents of sizes) await refresh(documents);
    };
    return { at, grow };
  }

  it('refreshes the visibility every thousand documents and the statistics once the index doubled', async () => {
    const { at, grow } = recording();
    await grow([0, 400, 999, 1000, 1500, 1999, 2000, 3999, 4100]);
    expect(at.visibility).toEqual([1000, 2000, 3999]);
    expect(at.statistics).toEqual([1000, 2000, 4100]);
  });

  it('counts from what its first batch saw in a process that starts on a grown index', async () => {
    const { at, grow } = recording();
    await grow([50_000, 50_999, 51_000, 60_000, 99_000, 100_000]);
    expect(at.visibility).toEqual([51_000, 60_000, 99_000, 100_000]);
    expect(at.statistics).toEqual([100_000]);
  });

  it('counts growth again from where erasures shrank the index to', async () => {
    const { at, grow } = recording();
    await grow([5_000, 4_000, 4_999, 5_000]);
    expect(at.visibility).toEqual([5_000]);
  });

  it('logs a failed refresh without the statement parameters, and carries on', async () => {
    const warned: unknown[] = [];
    const log = { warn: (fields: unknown) => warned.push(fields) } as unknown as Logger;
    const fail = (what: string) => async () => {
      throw new Error(`${what} failed\nparams: Dark mode for the dashboard`);
    };
    const refreshIfGrown = indexRefresher({ visibility: fail('vacuum'), statistics: fail('analyze') }, log);
    await refreshIfGrown(0);
    await refreshIfGrown(1_000);
    expect(warned).toEqual([
      { error: expect.objectContaining({ type: 'Error', message: 'vacuum failed' }), refresh: 'visibility' },
      { error: expect.objectContaining({ type: 'Error', message: 'analyze failed' }), refresh: 'statistics' },
    ]);
    expect(JSON.stringify(warned)).not.toContain('Dark mode');
  });
});
