import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.ts';
import { createRedrive } from '../src/workers/redrive.ts';
import { captureLogs } from './helpers/logs.ts';
import { startService, type TestService, validRequest } from './helpers/service.ts';

/**
 * The triage redrive during a backlog (PGlite, or Postgres with TEST_DATABASE=postgres): each run checks one
 * bounded page of untriaged requests, going on where the last run stopped, and still queues every request whose
 * job Redis lost.
 */

let svc: TestService;
// An API process: it queues triage but runs no worker, so the untriaged requests stay untriaged.
beforeAll(async () => {
  svc = await startService({ role: 'api' });
});
afterAll(async () => {
  await svc?.stop();
});

describe('redrive of untriaged requests', () => {
  it('checks one page per run and, across runs, queues every request whose job was lost', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await svc.post(
        '/v1/requests',
        validRequest({ title: `Paged ${i}`, sourceRef: `paged-${i}` }),
      );
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const triage = svc.runtime.queues.queue('triage');
    // As after a Redis flush: the requests are stored, their jobs gone.
    await triage.obliterate({ force: true });
    const jobOf = (id: string) => triage.getJob(`triage-request-${id}`);
    expect((await Promise.all(ids.map(jobOf))).filter(Boolean)).toEqual([]);

    const redrive = createRedrive({
      store: svc.runtime.store,
      queues: svc.runtime.queues,
      config: { ...svc.config.reconcile, graceSeconds: 0 },
      metrics: createMetrics(),
      log: captureLogs().log,
      triagePerRun: 5,
    });
    const runs = [];
    for (let run = 0; run < 4; run++) runs.push((await redrive.runOnce()).triage);
    // 12 requests, 5 a run: two full pages, the last two, then the first page again (its jobs now present).
    expect(runs).toEqual([
      { added: 5, retried: 0, present: 0 },
      { added: 5, retried: 0, present: 0 },
      { added: 2, retried: 0, present: 0 },
      { added: 0, retried: 0, present: 5 },
    ]);
    const jobs = await Promise.all(ids.map(jobOf));
    expect(jobs.map((j) => j?.data)).toEqual(ids.map((requestId) => ({ requestId })));
  });
});
