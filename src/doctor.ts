import type { Config } from './config.ts';
import { openDatabase } from './store/db.ts';
import { createRedis, waitForRedis } from './workers/redis.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** `npm run doctor`: what an operator checks first. Each check says what it found and, when failing, what to do. */
export async function runDoctor(config: Config): Promise<Check[]> {
  const checks: Check[] = [
    {
      name: 'configuration',
      ok: true,
      detail: `valid (${config.configFile ?? 'no CONFIG_FILE'}; NODE_ENV=${config.env})`,
    },
  ];

  if (config.database.kind === 'postgres') {
    const database = openDatabase({ kind: 'postgres', url: config.database.url, poolSize: 1 });
    try {
      await database.ping();
      checks.push({
        name: 'database',
        ok: true,
        detail: `Postgres at ${new URL(config.database.url).host} reachable`,
      });
    } catch (err) {
      checks.push({
        name: 'database',
        ok: false,
        detail: `Postgres unreachable: ${(err as Error).message} (check DATABASE_URL)`,
      });
    } finally {
      await database.close();
    }
  } else {
    checks.push({
      name: 'database',
      ok: true,
      detail: `embedded PGlite in ${config.database.dataDir} (single process; set DATABASE_URL to run API and workers apart)`,
    });
  }

  const redis = createRedis(config.redisUrl, 'producer', { retryStrategy: () => null });
  try {
    await waitForRedis(redis, 3_000);
    const info = await redis.info();
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    checks.push({
      name: 'redis',
      ok: true,
      detail: `Redis ${version} at ${new URL(config.redisUrl).host} reachable`,
    });
    // https://docs.bullmq.io/guide/going-to-production#max-memory-policy
    checks.push({
      name: 'redis maxmemory-policy',
      ok: policy === 'noeviction',
      detail:
        policy === 'noeviction'
          ? 'noeviction'
          : `${policy}: BullMQ needs noeviction or Redis may drop job keys`,
    });
  } catch (err) {
    checks.push({
      name: 'redis',
      ok: false,
      detail: `unreachable: ${(err as Error).message} (check REDIS_URL)`,
    });
  } finally {
    redis.disconnect();
  }

  checks.push({
    name: 'trackers',
    ok: true,
    detail: [
      ...config.trackers.jira.map((s) => `Jira site "${s.site}" at ${new URL(s.host).host}`),
      ...config.trackers.linear.map((w) => `Linear workspace "${w.workspace}"`),
      config.sandbox ? 'none configured: sandbox mode' : undefined,
    ]
      .filter(Boolean)
      .join(', '),
  });
  checks.push({
    name: 'mail',
    ok: true,
    detail: config.mail.smtpUrl
      ? `SMTP at ${new URL(config.mail.smtpUrl).host}`
      : 'no SMTP_URL: emails go to the dev outbox',
  });
  return checks;
}
