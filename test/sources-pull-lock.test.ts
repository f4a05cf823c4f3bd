import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSources, createThrottle, throttleKeyPrefix } from '../src/connectors/source-registry.ts';
import { createLogger } from '../src/log.ts';
import { createPullLock, pullLockKey } from '../src/workers/source-pull-lock.ts';
import { type FakeZendesk, startFakeZendesk, zendeskTicket } from './fakes/zendesk.ts';
import { type IntakeHarness, sourcePullJob, startIntakeHarness } from './helpers/intake.ts';
import { sharedRedisUrl } from './helpers/redis.ts';
import { waitFor } from './helpers/service.ts';

/**
 * Several worker processes pulling the same sources: at most one pull of a source at a time (a Redis lock that a
 * killed worker's pull does not keep), and one rate budget per source for all of them. A "second process" is a
 * second set of sources and a second pull job on its own Redis connection, over the same database and prefix.
 */

const TOKEN = 'zd-token-123';
const log = createLogger({ level: 'silent' });

describe('source pulls across processes', () => {
  let fake: FakeZendesk;
  let intake: IntakeHarness;
  let otherRedis: Redis;

  beforeEach(async () => {
    fake = await startFakeZendesk({ email: 'agent@acme.io', token: TOKEN, pageSize: 2 });
    intake = await startIntakeHarness(
      [
        {
          id: 'zd',
          kind: 'zendesk',
          baseUrl: fake.url,
          email: 'agent@acme.io',
          tokenEnv: 'ZD_TOKEN',
          tag: 'feature_request',
        },
      ],
      { ZD_TOKEN: TOKEN },
    );
    otherRedis = new Redis(sharedRedisUrl, { maxRetriesPerRequest: null });
    for (const id of [1, 2, 3, 4, 5]) {
      fake.users.push({ id: 100 + id, name: `User ${id}`, email: `user${id}@globex.com` });
      fake.tickets.push(zendeskTicket(id));
    }
  }, 60_000);
  afterEach(async () => {
    otherRedis?.disconnect();
    await intake?.close();
    await fake?.close();
  });

  /** The same source, pulled by another worker process. */
  async function otherProcess() {
    const config = intake.sources.config('zd');
    if (!config) throw new Error('zd is configured');
    const sources = await createSources(
      [config],
      { log },
      { redis: otherRedis, prefix: intake.queues.prefix },
    );
    return sourcePullJob({ store: intake.store, sources, queues: intake.queues, redis: otherRedis }, log)
      .pull;
  }
  const exportCalls = () => fake.calls.filter((c) => c.includes('/incremental/tickets/cursor.json'));

  it('two pulls of the same source started at once make one set of provider calls', async () => {
    const other = await otherProcess();
    const outcomes = await Promise.all([intake.pull('zd'), other({ sourceId: 'zd' })]);
    expect(outcomes).toEqual(expect.arrayContaining([{ pulled: 5, pages: 3 }, { skipped: 'locked' }]));
    expect(exportCalls()).toHaveLength(3);
    expect((await intake.requestsOf('zd')).map((r) => r.sourceRef)).toEqual(['1', '2', '3', '4', '5']);
    // The lock went with the pull: the next one, from either process, runs.
    expect(await other({ sourceId: 'zd' })).not.toEqual({ skipped: 'locked' });
    expect(exportCalls().length).toBeGreaterThan(3);
  });

  it('the lock of a worker killed mid-pull lapses, and the next run pulls', async () => {
    // What a killed worker leaves: its lock, no longer renewed.
    await intake.redis.set(pullLockKey(intake.queues.prefix, 'zd'), 'killed-worker', 'PX', 1_000);
    expect(await intake.pull('zd')).toEqual({ skipped: 'locked' });
    expect(fake.calls).toEqual([]);
    const outcome = await waitFor('the dead lock lapsed', async () => {
      const o = await intake.pull('zd');
      return 'skipped' in o ? undefined : o;
    });
    expect(outcome).toEqual({ pulled: 5, pages: 3 });
  });

  it('a running pull keeps its lock past the expiry by renewing it, and frees it when done', async () => {
    const key = pullLockKey(intake.queues.prefix, 'renewed');
    const mine = createPullLock(intake.redis, intake.queues.prefix, { ttlMs: 300 });
    const theirs = createPullLock(otherRedis, intake.queues.prefix, { ttlMs: 300 });
    const lease = await mine.acquire('renewed');
    if (!lease) throw new Error('a free lock is acquired');
    // Wait for a renewal: the remaining time goes up again.
    let last = await intake.redis.pttl(key);
    await waitFor('the lock renewed', async () => {
      const now = await intake.redis.pttl(key);
      const renewed = now > last;
      last = now;
      return renewed ? true : undefined;
    });
    expect(lease.held()).toBe(true);
    expect(await theirs.acquire('renewed')).toBeUndefined();
    await lease.release();
    const next = await theirs.acquire('renewed');
    expect(next).toBeDefined();
    await next?.release();
  });

  it('a source’s rate budget is one for every process', async () => {
    const budget = { requests: 3, perSeconds: 3_600 };
    const here = createThrottle(budget, {
      redis: intake.redis,
      prefix: intake.queues.prefix,
      sourceId: 'rl',
    });
    const there = createThrottle(budget, { redis: otherRedis, prefix: intake.queues.prefix, sourceId: 'rl' });
    await here();
    await here();
    await there();
    // Three requests made between the two processes: the hour's budget is spent for both.
    const limiter = new RateLimiterRedis({
      storeClient: intake.redis,
      keyPrefix: throttleKeyPrefix(intake.queues.prefix, 'rl'),
      points: budget.requests,
      duration: budget.perSeconds,
    });
    expect((await limiter.get('source'))?.consumedPoints).toBe(3);
    await expect(limiter.consume('source')).rejects.toBeInstanceOf(RateLimiterRes);
  });
});
