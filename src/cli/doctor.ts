import { accessSync, constants, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { type Config, ConfigError } from '../config/load.ts';
import { createMailer, MailSendError } from '../connectors/mail/client.ts';
import { createSources } from '../connectors/source-registry.ts';
import { createTrackers } from '../connectors/tracker-registry.ts';
import { withDeadline } from '../deadline.ts';
import { type PushTarget, siteOf } from '../domain/tracker.ts';
import { createLogger } from '../log.ts';
import { createRedis, waitForRedis } from '../queue/redis.ts';
import { unknownStatusNames } from '../rules/status-map.ts';
import { openDatabase } from '../store/db.ts';

interface Check {
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

  checks.push(await databaseCheck(config));
  checks.push(...(await redisChecks(config)));
  checks.push(...(await trackerChecks(config)));
  checks.push(...(await sourceChecks(config)));
  checks.push(await mailCheck(config));
  return checks;
}

/** The database: Postgres answers, or the embedded database's directory can be used. */
async function databaseCheck(config: Config): Promise<Check> {
  if (config.database.kind === 'postgres') {
    const database = openDatabase({ kind: 'postgres', url: config.database.url, poolSize: 1 });
    try {
      await database.ping();
      return {
        name: 'database',
        ok: true,
        detail: `Postgres at ${new URL(config.database.url).host} reachable`,
      };
    } catch (err) {
      return {
        name: 'database',
        ok: false,
        detail: `Postgres unreachable: ${(err as Error).message} (check DATABASE_URL)`,
      };
    } finally {
      await database.close();
    }
  }
  const problem = unusableDirectory(config.database.dataDir);
  return problem
    ? {
        name: 'database',
        ok: false,
        detail: `embedded PGlite in ${config.database.dataDir} cannot be used: ${problem} (check DATA_DIR)`,
      }
    : {
        name: 'database',
        ok: true,
        detail: `embedded PGlite in ${config.database.dataDir} (single process; set DATABASE_URL to run API and workers apart)`,
      };
}

/** Redis answers, and keeps BullMQ's keys (maxmemory-policy noeviction). */
async function redisChecks(config: Config): Promise<Check[]> {
  const checks: Check[] = [];
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
      detail:
        err instanceof ConfigError
          ? err.problems.join('; ')
          : `unreachable: ${(err as Error).message} (check REDIS_URL)`,
    });
  } finally {
    redis.disconnect();
  }

  return checks;
}

/**
 * Why the service could not keep the embedded database in `dir`, or undefined: the directory, or the nearest of its
 * parents that exists (the service creates the rest), must be a directory it may write in. Opening PGlite here
 * would take the running service's lock and, on a fresh directory, run initdb.
 */
function unusableDirectory(dir: string): string | undefined {
  let at = path.resolve(dir);
  for (;;) {
    let stats: Stats;
    try {
      stats = statSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file stands somewhere on the way; walking up names it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `${at}: ${code ?? (err as Error).message}`;
      const parent = path.dirname(at);
      if (parent === at) return `${at} does not exist`;
      at = parent;
      continue;
    }
    if (!stats.isDirectory()) return `${at} is a file, not a directory`;
    try {
      accessSync(at, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch {
      return `${at} is not writable by this user`;
    }
    return undefined;
  }
}

/**
 * Each configured tracker: credentials, the projects / teams and issue types routing points at, workflow states, and
 * status names the status map configures that the tracker does not have.
 */
async function trackerChecks(config: Config): Promise<Check[]> {
  if (config.sandbox) {
    return [
      {
        name: 'trackers',
        ok: true,
        detail: 'none configured: sandbox mode (npm start runs the Jira and Linear emulators)',
      },
    ];
  }
  const trackers = await createTrackers(config);
  const routing = config.trackers.routing;
  const targets: PushTarget[] = routing ? [...routing.rules.map((r) => r.target), routing.default] : [];
  const checks: Check[] = [];
  for (const tracker of trackers.all()) {
    const mine = targets.filter((t) => siteOf(t) === tracker.site && t.kind === tracker.kind);
    const result = await withDeadline(
      tracker
        .check(mine)
        .catch((err: unknown) => [
          { name: `${tracker.kind} ${tracker.site}`, ok: false, detail: String((err as Error).message) },
        ]),
      20_000,
    );
    if (!result.done) {
      checks.push({
        name: `${tracker.kind} ${tracker.site}`,
        ok: false,
        detail: 'did not answer within 20 s',
      });
      continue;
    }
    checks.push(...result.value);
    if ('listStatusNames' in tracker && typeof tracker.listStatusNames === 'function') {
      const names = await (tracker.listStatusNames as () => Promise<string[]>)().catch(() => undefined);
      if (names) {
        for (const missing of unknownStatusNames(config.trackers.statusMap, { linear: names })) {
          checks.push({
            name: `${tracker.kind} ${tracker.site}: status map`,
            ok: false,
            detail: `statusMap names ${missing}, which the workspace does not have`,
          });
        }
      }
    }
  }
  return checks;
}

/** Each enabled intake source: its credentials and reachability (`check()`), one line each. */
export async function sourceChecks(config: Pick<Config, 'sources'>): Promise<Check[]> {
  const sources = await createSources(config.sources, { log: createLogger({ level: 'silent' }) });
  const checks: Check[] = [];
  for (const source of sources.all()) {
    const name = `source ${source.id} (${source.kind})`;
    const result = await withDeadline(
      source.check().then(
        () => ({ ok: true, detail: 'credentials accepted' }),
        (err: unknown) => ({ ok: false, detail: String((err as Error).message) }),
      ),
      20_000,
    );
    checks.push(
      result.done ? { name, ...result.value } : { name, ok: false, detail: 'did not answer within 20 s' },
    );
  }
  return checks;
}

/** Connects to SMTP_URL and authenticates (sends nothing): a wrong host or password shows before mail waits. */
async function mailCheck(config: Config): Promise<Check> {
  if (!config.mail.smtpUrl)
    return { name: 'mail', ok: true, detail: 'no SMTP_URL: emails go to the dev outbox' };
  const host = new URL(config.mail.smtpUrl).host;
  const mailer = createMailer({
    smtpUrl: config.mail.smtpUrl,
    from: config.mail.from,
    saveDevMail: () => Promise.resolve(),
  });
  try {
    await mailer.verify();
    return { name: 'mail', ok: true, detail: `SMTP at ${host} accepts our connection and credentials` };
  } catch (err) {
    const reason = err instanceof MailSendError ? err.failure.reason : String(err);
    return { name: 'mail', ok: false, detail: `SMTP at ${host}: ${reason} (check SMTP_URL)` };
  } finally {
    mailer.close();
  }
}
