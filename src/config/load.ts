import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { crossFieldProblems } from './cross-field.ts';
import { type Env, envSchema } from './env.schema.ts';
import { type FileConfig, fileSchema } from './file.schema.ts';
import { type ResolvedSourceConfig, resolveSources } from './sources.schema.ts';
import { resolveTrackers, type TrackerConfig } from './trackers.ts';

/**
 * The only place that reads the environment. Every variable in docs/configuration.md's table plus the
 * optional YAML file named by CONFIG_FILE is validated here once; a bad value becomes one line naming the
 * variable or the YAML path and what was expected.
 */

export type { Env, FileConfig };

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
  /** Where HTTP listens: HOST, else loopback in development (the dev outbox has no login) and every interface in production. */
  host: string;
  port: number;
  publicUrl: string;
  redisUrl: string;
  queuePrefix: string;
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  dataDir: string;
  configFile: string | undefined;
  logLevel: Env['LOG_LEVEL'];
  apiKeys: string[];
  adminToken: string | undefined;
  /** Jira sites and Linear workspaces (from env and `trackers:`), routing and the status map. */
  trackers: TrackerConfig;
  push: FileConfig['push'];
  /** True when no tracker is configured outside production: the built-in emulators stand in. */
  sandbox: boolean;
  emulatorPorts: { jira: number; linear: number };
  mail: { smtpUrl: string | undefined; from: string };
  notifyCoalesceSeconds: number;
  /** `notifications:` (which statuses notify, product name, reply-to, digest hour, templates). */
  notifications: FileConfig['notifications'];
  http: FileConfig['http'];
  intake: FileConfig['intake'];
  workers: FileConfig['workers'];
  reconcile: FileConfig['reconcile'];
  retention: FileConfig['retention'];
  identity: FileConfig['identity'];
  /** Dedupe thresholds and extra synonyms / opposites (config/dedupe.schema.ts). */
  dedupe: FileConfig['dedupe'];
  /** Score weights and how often every live feature is rescored (rules/score.ts). */
  scoring: FileConfig['scoring'];
  /** Intake sources with their credentials read from the environment (config/sources.schema.ts). */
  sources: ResolvedSourceConfig[];
  /** Credentials the sandbox emulators accept. */
  sandboxCredentials: FileConfig['sandbox'];
  /** Who may sign in to the console (`console:`) and the OpenID Connect provider (OIDC_*), if any. */
  console: ConsoleConfig;
}

export interface ConsoleConfig extends Omit<FileConfig['console'], 'sessionTtl'> {
  sessionTtlSeconds: number;
  oidc: { issuer: string; clientId: string; clientSecret: string } | undefined;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function describeIssue(issue: z.core.$ZodIssue, where: string): string {
  return `${where}: ${issue.message}`;
}

function yamlPath(issue: z.core.$ZodIssue): string {
  const parts = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const base = parts.startsWith('.') ? parts.slice(1) : parts;
  if (issue.code === 'unrecognized_keys')
    return base ? `${base}.${issue.keys.join(', ')}` : issue.keys.join(', ');
  return base || '(top level)';
}

interface LoadConfigOptions {
  /** Defaults to the process environment: the one read of process.env in the service. */
  env?: Record<string, string | undefined>;
  readFile?: (file: string) => string;
  cwd?: string;
}

/** Parses env + YAML; throws ConfigError listing every problem. Pure apart from reading CONFIG_FILE. */
export function loadConfig({
  env = process.env,
  readFile = (f) => readFileSync(f, 'utf8'),
  cwd = process.cwd(),
}: LoadConfigOptions): Config {
  const problems: string[] = [];
  const parsedEnv = envSchema.safeParse(env);
  if (!parsedEnv.success) {
    for (const issue of parsedEnv.error.issues)
      problems.push(describeIssue(issue, String(issue.path[0] ?? 'env')));
  }

  const configFile = env['CONFIG_FILE']?.trim() || undefined;
  const fileData = configFile
    ? readConfigFile(path.resolve(cwd, configFile), configFile, readFile, problems)
    : {};
  const parsedFile = fileSchema.safeParse(fileData);
  if (!parsedFile.success) {
    for (const issue of parsedFile.error.issues) {
      problems.push(describeIssue(issue, `CONFIG_FILE ${yamlPath(issue)}`));
    }
  }

  problems.push(
    ...crossFieldProblems(env, {
      notificationsEnabled: parsedFile.success ? parsedFile.data.notifications.enabled : true,
    }),
  );
  // Trackers and routing need both halves parsed; their problems join the others so all are listed at once.
  const resolved =
    parsedEnv.success && parsedFile.success
      ? resolveTrackers(parsedEnv.data, parsedFile.data, env)
      : undefined;
  if (resolved) problems.push(...resolved.problems);
  const sources = parsedFile.success ? resolveSources(parsedFile.data.sources, env) : undefined;
  if (sources) problems.push(...sources.problems);
  if (!parsedEnv.success || !parsedFile.success || !resolved || problems.length)
    throw new ConfigError(problems);
  return assembleConfig(parsedEnv.data, parsedFile.data, {
    cwd,
    configFile,
    trackers: resolved,
    sources: sources?.sources ?? [],
  });
}

/** The CONFIG_FILE's top-level mapping; `{}` when it cannot be read or parsed (the problem is added). */
function readConfigFile(
  resolved: string,
  configFile: string,
  readFile: (file: string) => string,
  problems: string[],
): unknown {
  try {
    const fileData: unknown = parseYaml(readFile(resolved)) ?? {};
    if (typeof fileData !== 'object' || Array.isArray(fileData)) {
      problems.push(`CONFIG_FILE ${configFile}: expected a YAML mapping at the top level`);
      return {};
    }
    return fileData;
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      problems.push(
        `CONFIG_FILE ${configFile}${pos ? `:${pos.line}:${pos.col}` : ''}: not valid YAML (${err.code})`,
      );
    } else {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(`CONFIG_FILE: cannot read ${resolved} (${code ?? 'error'})`);
    }
    return {};
  }
}

/** The configuration from the parsed environment and file, with their defaults. */
function assembleConfig(
  e: Env,
  file: FileConfig,
  {
    cwd,
    configFile,
    trackers: resolved,
    sources,
  }: {
    cwd: string;
    configFile: string | undefined;
    trackers: ReturnType<typeof resolveTrackers>;
    sources: Config['sources'];
  },
): Config {
  const isProduction = e.NODE_ENV === 'production';

  const dataDir = path.resolve(cwd, e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    isProduction,
    host: e.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    dataDir,
    configFile,
    logLevel: e.LOG_LEVEL,
    apiKeys: e.API_KEYS ?? [],
    adminToken: e.ADMIN_TOKEN,
    trackers: resolved.config,
    push: file.push,
    sandbox: resolved.sandbox,
    emulatorPorts: { jira: e.JIRA_EMULATOR_PORT, linear: e.LINEAR_EMULATOR_PORT },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM ?? 'Suggested Sync <no-reply@localhost>' },
    notifyCoalesceSeconds: e.NOTIFY_COALESCE_SECONDS,
    notifications: file.notifications,
    http: file.http,
    intake: file.intake,
    workers: file.workers,
    reconcile: file.reconcile,
    retention: file.retention,
    identity: file.identity,
    dedupe: file.dedupe,
    scoring: file.scoring,
    sources,
    sandboxCredentials: file.sandbox,
    console: consoleConfig(e, file.console),
  };
}

function consoleConfig(e: Env, { sessionTtl, ...who }: FileConfig['console']): ConsoleConfig {
  const oidc =
    e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
      ? { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID, clientSecret: e.OIDC_CLIENT_SECRET }
      : undefined;
  return { ...who, sessionTtlSeconds: sessionTtl, oidc };
}
