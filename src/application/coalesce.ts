/**
 * Calls that arrive while a run is under way wait, and go together into the next run: each caller gets its own
 * result or its own error. A run may leave some of the keys it was given (it ran out of time): those go back to
 * the front of the queue, ahead of later calls, for the next run. The first call runs at once, alone; calls only
 * wait for one another when they come faster than runs end. A key called for twice goes into two runs, one after
 * the other, each answering its own call. Work that should not hold up a run's callers (`afterRun`) runs once they
 * have their results, before the next run.
 */

export type Settled<V> = { ok: true; value: V } | { ok: false; error: unknown };

/** One run: the keys given, in call order; returns a result for each key it dealt with (at least the first). */
export type Run<V> = (keys: readonly string[]) => Promise<ReadonlyMap<string, Settled<V>>>;

interface Waiter<V> {
  key: string;
  resolve: (value: V) => void;
  reject: (error: unknown) => void;
}

export function coalesce<V>(
  run: Run<V>,
  maxKeys: number,
  /** After each run, once its callers are answered; its failure is ignored (it should handle its own). */
  afterRun?: () => Promise<void>,
): (key: string) => Promise<V> {
  let waiting: Waiter<V>[] = [];
  let running = false;

  /** The next run's callers: up to `maxKeys` distinct keys in call order; a repeated key waits for the run after. */
  const take = (): Waiter<V>[] => {
    const taken: Waiter<V>[] = [];
    const left: Waiter<V>[] = [];
    const keys = new Set<string>();
    for (const w of waiting) {
      if (taken.length < maxKeys && !keys.has(w.key)) {
        keys.add(w.key);
        taken.push(w);
      } else left.push(w);
    }
    waiting = left;
    return taken;
  };

  const settle = (taken: readonly Waiter<V>[], results: ReadonlyMap<string, Settled<V>>): Waiter<V>[] => {
    const undone: Waiter<V>[] = [];
    for (const w of taken) {
      const result = results.get(w.key);
      if (!result) undone.push(w);
      else if (result.ok) w.resolve(result.value);
      else w.reject(result.error);
    }
    return undone;
  };

  const drain = async () => {
    if (running) return;
    running = true;
    try {
      while (waiting.length > 0) {
        const taken = take();
        let results: ReadonlyMap<string, Settled<V>>;
        try {
          results = await run(taken.map((w) => w.key));
        } catch (error) {
          results = new Map(taken.map((w) => [w.key, { ok: false, error }]));
        }
        const undone = settle(taken, results);
        // A run that dealt with none of its keys would loop for ever: its first caller fails instead.
        const [first] = taken;
        if (first && undone.length === taken.length) {
          first.reject(new Error('the run dealt with none of its keys'));
          undone.shift();
        }
        waiting = [...undone, ...waiting];
        if (afterRun) {
          // The callers' promises resolved above: their continuations go first.
          await new Promise((resolve) => setImmediate(resolve));
          await afterRun().catch(() => {});
        }
      }
    } finally {
      running = false;
    }
  };

  return (key) =>
    new Promise<V>((resolve, reject) => {
      waiting.push({ key, resolve, reject });
      void drain();
    });
}
