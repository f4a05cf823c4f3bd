import { type Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../src/connectors/errors.ts';
import { applyConnectorPolicy } from '../src/workers/connector-policy.ts';
import { deleteKeys, freshPrefix, sharedRedisUrl } from './helpers/redis.ts';
import { waitFor } from './helpers/service.ts';

/** The policy on a real BullMQ queue and worker (real Redis), as a tracker queue will run it. */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function harness(step: (job: Job, call: number) => Promise<string>) {
  const prefix = freshPrefix('policy');
  const connection = new Redis(sharedRedisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('tracker-test', { connection, prefix });
  const events = new QueueEvents('tracker-test', { connection: { url: sharedRedisUrl }, prefix });
  await events.waitUntilReady();
  const calls: number[] = [];
  const holds: string[] = [];
  const worker = new Worker(
    'tracker-test',
    (job) => {
      calls.push(Date.now());
      const call = calls.length;
      return applyConnectorPolicy(() => step(job, call), { queue, onHold: (reason) => holds.push(reason) });
    },
    // A limiter must be set for manual rate limiting to take effect.
    { connection, prefix, limiter: { max: 100, duration: 1000 } },
  );
  cleanups.push(async () => {
    await worker.close();
    await events.close();
    await queue.close();
    connection.disconnect();
    await deleteKeys(sharedRedisUrl, prefix);
  });
  return { queue, events, calls, holds };
}

describe('applyConnectorPolicy on a real queue', () => {
  it('rate_limited: no call before Retry-After, and no attempt used', async () => {
    const h = await harness(async (_job, call) => {
      if (call === 1)
        throw new ConnectorError('rate_limited', 'jira', 'Rate limit exceeded.', { retryAfterMs: 1_500 });
      return 'pushed';
    });
    const job = await h.queue.add('push', {}, { attempts: 1 });
    expect(await job.waitUntilFinished(h.events, 20_000)).toBe('pushed');
    expect(h.calls).toHaveLength(2);
    // The second call waited for the server's Retry-After (a behavioural floor, not a speed measurement).
    expect((h.calls[1] ?? 0) - (h.calls[0] ?? 0)).toBeGreaterThanOrEqual(1_450);
    // With attempts: 1, a counted attempt would have failed the job; it completed instead.
    expect((await h.queue.getJob(job.id ?? ''))?.attemptsMade).toBe(1);
  });

  it('auth: holds the queue and reports why, without using attempts', async () => {
    const h = await harness(async (_job, call) => {
      if (call === 1) throw new ConnectorError('auth', 'linear', 'authentication error');
      return 'pushed';
    });
    await h.queue.add('push', {}, { attempts: 1 });
    await waitFor('the first call', async () => (h.calls.length >= 1 ? true : undefined));
    expect(h.holds).toEqual(['linear refused the credentials: authentication error']);
    // Held for a minute: nothing else runs meanwhile.
    expect(await h.queue.getRateLimitTtl()).toBeGreaterThan(50_000);
    expect(await h.queue.getFailedCount()).toBe(0);
  });

  it('invalid_input: stops at once with the reason, however many attempts remain', async () => {
    const h = await harness(async () => {
      throw new ConnectorError('invalid_input', 'jira', "Field 'summary' is required");
    });
    const job = await h.queue.add('push', {}, { attempts: 5, backoff: { type: 'fixed', delay: 10 } });
    await expect(job.waitUntilFinished(h.events, 20_000)).rejects.toThrow(
      "jira invalid_input: Field 'summary' is required",
    );
    expect(h.calls).toHaveLength(1);
  });

  it('transient: retried with backoff until it succeeds', async () => {
    const h = await harness(async (_job, call) => {
      if (call < 3) throw new ConnectorError('transient', 'jira', 'Service Unavailable', { status: 503 });
      return 'pushed';
    });
    const job = await h.queue.add(
      'push',
      {},
      { attempts: 5, backoff: { type: 'exponential', delay: 20, jitter: 0.5 } },
    );
    expect(await job.waitUntilFinished(h.events, 20_000)).toBe('pushed');
    expect(h.calls).toHaveLength(3);
  });
});
