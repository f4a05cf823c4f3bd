#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, ConfigError, loadConfig } from './config/load.ts';
import { startSandboxEmulators } from './connectors/sandbox-emulators.ts';
import { devApiKey } from './dev-api-key.ts';
import { createLogger, errorForLog } from './log.ts';
import { type Role, type Runtime, startRuntime } from './runtime.ts';
import { openDatabase } from './store/db.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const USAGE = `usage: suggested-sync <command>

  start          HTTP API and all workers in one process (npm start)
  api            HTTP API only (npm run api)
  worker         workers and redrive only; serves /healthz, /readyz, /metrics (npm run worker)
  migrate        apply database migrations and exit (npm run migrate)
  doctor         check configuration, database and Redis (npm run doctor)
  import FILE    import requests from a CSV file: [--source NAME] [--map COLUMN=FIELD ...]
                 [--preset canny|uservoice|productboard] [--dry-run] [--rejects OUT.csv] (npm run import -- FILE)
  emulators      run the Jira and Linear emulators, their data kept in DATA_DIR/sandbox:
                 [--data-dir DIR] [--in-memory] (npm run emulators)
  dedupe-eval    evaluate duplicate detection: --corpus C.jsonl --queries Q.jsonl [--past-only]
`;

const EXIT_CONFIG = 2;

function exitForConfig(err: ConfigError): never {
  process.stderr.write(
    `suggested-sync: invalid configuration (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}):\n`,
  );
  for (const problem of err.problems) process.stderr.write(`  ${problem}\n`);
  process.exit(EXIT_CONFIG);
}

function readConfig(): Config {
  try {
    return loadConfig({});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    exitForConfig(err);
  }
}

async function serve(config: Config, role: Role): Promise<void> {
  const log = createLogger({ level: config.logLevel });
  if (role !== 'all' && config.database.kind === 'pglite') {
    process.stderr.write(
      `suggested-sync ${role}: running API and workers apart needs a shared database; set DATABASE_URL (the embedded PGlite serves one process: use \`npm start\`)\n`,
    );
    process.exit(EXIT_CONFIG);
  }
  let apiKeys = config.apiKeys;
  let generated: { key: string; file: string } | undefined;
  if (apiKeys.length === 0 && role !== 'worker') {
    generated = devApiKey(config.dataDir);
    apiKeys = [generated.key];
  }

  // Signals are handled from the first moment: one that arrives while starting (migrations, waiting for Redis)
  // stops the service as soon as it is up, through the same orderly shutdown.
  let runtime: Runtime | undefined;
  let stopRequested = false;
  let signals = 0;
  const stop = () => {
    runtime?.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ error: errorForLog(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal, starting: runtime === undefined }, 'signal received');
    stopRequested = true;
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  runtime = await startRuntime({
    config,
    role,
    log,
    apiKeys,
    version: pkg.version,
    // A service process, here for good: what start-up grew and no longer needs goes back before it takes traffic.
    releaseStartupMemory: true,
  });
  if (stopRequested) return stop();
  const lines = [
    `Suggested Sync ${pkg.version} (${role === 'all' ? 'API + workers' : role}) on ${runtime.url.replace('127.0.0.1', 'localhost')}`,
    `  database: ${config.database.kind === 'pglite' ? `embedded PGlite in ${config.database.dataDir}` : `Postgres at ${new URL(config.database.url).host}`}`,
    `  redis:    ${new URL(config.redisUrl).host} (queue prefix "${config.queuePrefix}")`,
  ];
  if (generated)
    lines.push(
      `  API key:  ${generated.key}  (development key, kept in ${generated.file}; set API_KEYS to choose your own)`,
    );
  if (role !== 'worker') lines.push(consoleBannerLine(config, runtime.url));
  if (runtime.emulators) {
    lines.push(
      '  trackers: none configured, so the built-in emulators stand in (sandbox mode):',
      ...runtime.emulators.describe(),
    );
  } else if (config.sandbox) {
    lines.push(
      '  trackers: none configured (sandbox emulators run only in `npm start`; or run `npm run emulators`)',
    );
  }
  lines.push(
    !config.notifications.enabled
      ? '  mail:     status emails off (notifications.enabled: false)'
      : config.mail.smtpUrl
        ? `  mail:     SMTP at ${new URL(config.mail.smtpUrl).host}, from ${config.mail.from}`
        : `  mail:     no SMTP_URL: status emails are kept in the dev outbox${role === 'worker' ? '' : ` at ${runtime.url.replace('127.0.0.1', 'localhost')}/dev/mail`}`,
  );
  const sources = config.sources.filter((s) => s.enabled);
  if (sources.length > 0) lines.push(`  sources:  ${sources.map((s) => `${s.id} (${s.kind})`).join(', ')}`);
  if (role !== 'worker') {
    lines.push(
      `  try:      curl -s -X POST ${runtime.url}/v1/requests -H "Authorization: Bearer ${generated ? generated.key : '<API key>'}" -H 'Content-Type: application/json' -d '{"title":"Dark mode","requester":{"email":"ada@example.org"}}'`,
    );
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** How to sign in to the console, as the banner says it. */
function consoleBannerLine(config: Config, url: string): string {
  const at = `${url.replace('127.0.0.1', 'localhost')}/console`;
  const { oidc, members, viewers } = config.console;
  if (oidc) return `  console:  ${at}  (sign in with ${new URL(oidc.issuer).host})`;
  if (!config.isProduction)
    return `  console:  ${at}  (local sign-in is on: development only; set OIDC_ISSUER to use your identity provider)`;
  return config.mail.smtpUrl && members.length + viewers.length > 0
    ? `  console:  ${at}  (sign in by emailed link)`
    : `  console:  ${at}  (no way to sign in: set OIDC_ISSUER, or SMTP_URL and console.members)`;
}

/** Where `emulators` keeps its data: `--data-dir DIR`, none with `--in-memory`, else DATA_DIR. */
function emulatorDataDir(args: readonly string[], defaultDir: string): string | undefined {
  const [flag, value, ...rest] = args;
  if (flag === undefined) return defaultDir;
  if (flag === '--in-memory' && value === undefined) return undefined;
  if (flag === '--data-dir' && value && !value.startsWith('--') && rest.length === 0)
    return path.resolve(value);
  throw new Error(`emulators takes --data-dir DIR or --in-memory, not "${args.join(' ')}"`);
}

/** `npm run emulators`: both emulators until a signal, their data kept in DATA_DIR/sandbox unless told. */
async function emulators(config: Config, args: readonly string[]): Promise<void> {
  let dataDir: string | undefined;
  try {
    dataDir = emulatorDataDir(args, config.dataDir);
  } catch (err) {
    process.stderr.write(`suggested-sync: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(64);
  }
  const running = await startSandboxEmulators({
    jiraPort: config.emulatorPorts.jira,
    linearPort: config.emulatorPorts.linear,
    credentials: config.sandboxCredentials,
    dataDir,
    host: config.host,
  });
  process.stderr.write(
    `${['Suggested Sync emulators (POST /_emulator/reset to empty them):', ...running.describe()].join('\n')}\n`,
  );
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function migrate(config: Config): Promise<void> {
  const database = openDatabase(
    config.database.kind === 'postgres'
      ? { kind: 'postgres', url: config.database.url, poolSize: 2 }
      : { kind: 'pglite', dataDir: config.database.dataDir },
  );
  try {
    const { applied } = await database.migrate();
    process.stdout.write(`migrations: ${applied} applied, database up to date (${database.kind})\n`);
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command = 'start'] = argv;
  if (command === 'help' || command === '--help' || command === '-h') return void process.stdout.write(USAGE);
  // Needs no configuration, database or Redis: a pure replay of labelled duplicates through the engine.
  if (command === 'dedupe-eval') return (await import('./cli/dedupe-eval.ts')).runDedupeEval(argv.slice(1));
  if (!['start', 'api', 'worker', 'migrate', 'doctor', 'emulators', 'import'].includes(command)) {
    process.stderr.write(`suggested-sync: unknown command "${command}"\n\n${USAGE}`);
    process.exit(64);
  }
  const config = readConfig();
  switch (command) {
    case 'migrate':
      return migrate(config);
    case 'import':
      process.exitCode = await (await import('./cli/import.ts')).runImport(argv.slice(1), config);
      return;
    case 'emulators':
      return emulators(config, argv.slice(1));
    case 'doctor': {
      const checks = await (await import('./cli/doctor.ts')).runDoctor(config);
      for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}\n`);
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
      return;
    }
    default:
      return serve(config, command === 'start' ? 'all' : (command as Role));
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  // Found only on connecting (a REDIS_URL database the server does not have): the same exit as a bad setting.
  if (err instanceof ConfigError) exitForConfig(err);
  process.stderr.write(`suggested-sync: ${terminalMessage(err)}\n`);
  process.exit(1);
});

/**
 * What a failure says on the terminal: the message without a failed query's parameters (an import's batch carries
 * every title, body and address in it, and stderr ends up in container logs), and the first line of its cause.
 */
function terminalMessage(err: Error): string {
  const head = err.message.split('\nparams:')[0] ?? '';
  const cause = err.cause instanceof Error ? err.cause.message.split('\n')[0] : undefined;
  return cause && !head.includes(cause) ? `${head}: ${cause}` : head;
}
