import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { currentWorkClass } from '../src/store/work-class.ts';
import { runJob } from '../src/workers/worker-pool.ts';

/**
 * The class a job's work runs as (store/work-class.ts), which on PGlite decides its turns on the one connection
 * (test/pglite-turns.test.ts): the worker pool runs a triage job's handler as triage, everything else unmarked.
 */

/** Handlers that report the class each job ran as, and the class of work they started after an await. */
function recordingHandlers() {
  const seen: Record<string, unknown> = {};
  const record = (name: string) => async () => {
    seen[name] = currentWorkClass();
    await new Promise(setImmediate);
    seen[`${name} later`] = currentWorkClass();
  };
  const handlers = {
    'triage-request': record('triage-request'),
    'rescore-features': record('rescore-features'),
    'notify-send': record('notify-send'),
  };
  return { seen, handlers: handlers as unknown as Parameters<typeof runJob>[0] };
}

describe('work classes of jobs', () => {
  it('a triage job runs as triage work through its awaits; other jobs, on the triage queue too, run unmarked', async () => {
    const { seen, handlers } = recordingHandlers();
    await runJob(handlers, 'triage', { name: 'triage-request', data: { requestId: randomUUID() } });
    await runJob(handlers, 'triage', { name: 'rescore-features', data: {} });
    await runJob(handlers, 'notify', { name: 'notify-send', data: { notificationId: randomUUID() } });
    expect(seen).toEqual({
      'triage-request': 'triage',
      'triage-request later': 'triage',
      'rescore-features': undefined,
      'rescore-features later': undefined,
      'notify-send': undefined,
      'notify-send later': undefined,
    });
    expect(currentWorkClass()).toBeUndefined();
  });
});
