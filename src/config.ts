import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';

/**
 * The only place that reads the environment. Every variable from DESIGN.md's contract plus the optional YAML
 * file named by CONFIG_FILE is validated here once; a bad value becomes one line naming the variable or the
 * YAML path and what was expected.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const port = (fallback: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'expected a port number' })
      .int('expected a whole port number')
      .min(1, 'expected a port between 1 and 65535')
      .max(65535, 'expected a port between 1 and 65535')
      .default(fallback),
  );

const urlWithProtocols = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const mailbox = z
  .string()
  .refine((v) => EMAIL.test(v) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>$/.test(v.trim()), {
    error: 'expected an address like "Suggested <updates@example.com>" or "updates@example.com"',
  });

const envSchema = z.object({
  NODE_ENV: z.preprocess(
    emptyToUndefined,
    z.enum(['development', 'production', 'test']).default('development'),
  ),
  PORT: port(3000),
  PUBLIC_URL: optional(urlWithProtocols(['http:', 'https:'])),
  REDIS_URL: z.preprocess(
    emptyToUndefined,
    urlWithProtocols(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  ),
  DATABASE_URL: optional(urlWithProtocols(['postgres:', 'postgresql:'])),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  CONFIG_FILE: optional(z.string()),
  JIRA_HOST: optional(urlWithProtocols(['http:', 'https:'])),
  JIRA_EMAIL: optional(z.string().regex(EMAIL, 'expected an email address')),
  JIRA_API_TOKEN: optional(z.string()),
  JIRA_WEBHOOK_SECRET: optional(z.string().min(16, 'expected at least 16 characters')),
  LINEAR_API_KEY: optional(z.string()),
  LINEAR_API_URL: optional(urlWithProtocols(['http:', 'https:'])),
  LINEAR_WEBHOOK_SECRET: optional(z.string().min(16, 'expected at least 16 characters')),
  SMTP_URL: optional(urlWithProtocols(['smtp:', 'smtps:'])),
  MAIL_FROM: optional(mailbox),
  API_KEYS: optional(
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean),
      )
      .refine((keys) => keys.every((k) => k.length >= 16), {
        error: 'expected comma-separated keys of at least 16 characters each',
      }),
  ),
  ADMIN_TOKEN: optional(z.string().min(16, 'expected at least 16 characters')),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' ? emptyToUndefined(v.toLowerCase()) : v),
    z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
  JIRA_EMULATOR_PORT: port(4010),
  LINEAR_EMULATOR_PORT: port(4020),
  NOTIFY_COALESCE_SECONDS: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'expected a number of seconds' }).int().min(0).default(120),
  ),
  QUEUE_PREFIX: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "-" or "_" (no ":")')
      .default('ss'),
  ),
});

const positiveInt = z.number().int().positive();

/** YAML sections owned by this service so far; later features add theirs. Unknown keys are errors. */
const fileSchema = z
  .object({
    http: z
      .object({
        bodyLimitBytes: positiveInt.default(1_048_576),
        trustProxy: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    intake: z
      .object({
        rateLimit: z
          .object({ requests: positiveInt.default(6000), perSeconds: positiveInt.default(60) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    workers: z
      .object({
        concurrency: z
          .object({ triage: positiveInt.default(8) })
          .strict()
          .prefault({}),
        shutdownTimeoutMs: positiveInt.default(25_000),
        stalledIntervalMs: positiveInt.default(30_000),
        lockDurationMs: positiveInt.default(30_000),
      })
      .strict()
      .prefault({}),
    reconcile: z
      .object({
        intervalSeconds: z.number().positive().default(15),
        graceSeconds: z.number().min(0).default(5),
        retryFailedAfterSeconds: z.number().min(0).default(600),
      })
      .strict()
      .prefault({}),
    retention: z
      .object({
        completedJobs: z
          .object({ count: positiveInt.default(1000), ageSeconds: positiveInt.default(86_400) })
          .strict()
          .prefault({}),
        failedJobs: z
          .object({ count: positiveInt.default(5000), ageSeconds: positiveInt.default(7 * 86_400) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    identity: z
      .object({
        extraFreeMailDomains: z
          .array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'expected a domain'))
          .default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Env = z.infer<typeof envSchema>;
export type FileConfig = z.infer<typeof fileSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  isProduction: boolean;
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
  jira: { host: string; email: string; apiToken: string; webhookSecret: string | undefined } | undefined;
  linear: { apiKey: string; apiUrl: string | undefined; webhookSecret: string | undefined } | undefined;
  /** True when no tracker is configured outside production: the built-in emulators stand in. */
  sandbox: boolean;
  emulatorPorts: { jira: number; linear: number };
  mail: { smtpUrl: string | undefined; from: string };
  notifyCoalesceSeconds: number;
  http: FileConfig['http'];
  intake: FileConfig['intake'];
  workers: FileConfig['workers'];
  reconcile: FileConfig['reconcile'];
  retention: FileConfig['retention'];
  identity: FileConfig['identity'];
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

/**
 * Rules between variables, judged on which are present (not on whether each is valid) so that they are listed
 * together with every per-variable problem.
 */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const has = (name: string) => (env[name]?.trim() ?? '') !== '';
  const problems: string[] = [];
  const jira = ['JIRA_HOST', 'JIRA_EMAIL', 'JIRA_API_TOKEN'];
  const jiraSet = jira.filter(has);
  if (jiraSet.length > 0 && jiraSet.length < jira.length) {
    for (const name of jira.filter((n) => !has(n))) {
      problems.push(`${name}: required when any of JIRA_HOST, JIRA_EMAIL, JIRA_API_TOKEN is set`);
    }
  }
  if (has('LINEAR_API_URL') && !has('LINEAR_API_KEY'))
    problems.push('LINEAR_API_KEY: required when LINEAR_API_URL is set');
  if (env['NODE_ENV']?.trim() === 'production') {
    if (jiraSet.length < jira.length && !has('LINEAR_API_KEY')) {
      problems.push(
        'JIRA_HOST/LINEAR_API_KEY: production needs at least one tracker (Jira: JIRA_HOST, JIRA_EMAIL, JIRA_API_TOKEN; or LINEAR_API_KEY)',
      );
    }
    if (!has('API_KEYS')) problems.push('API_KEYS: required in production (comma-separated keys)');
    if (!has('ADMIN_TOKEN')) problems.push('ADMIN_TOKEN: required in production');
    if (!has('PUBLIC_URL'))
      problems.push('PUBLIC_URL: required in production (links in emails and tracker issues)');
    if (!has('SMTP_URL'))
      problems.push('SMTP_URL: required in production (the dev outbox is disabled there)');
  }
  if (has('SMTP_URL') && !has('MAIL_FROM')) problems.push('MAIL_FROM: required when SMTP_URL is set');
  return problems;
}

export interface LoadConfigOptions {
  env: Record<string, string | undefined>;
  readFile?: (file: string) => string;
  cwd?: string;
}

/** Parses env + YAML; throws ConfigError listing every problem. Pure apart from reading CONFIG_FILE. */
export function loadConfig({
  env,
  readFile = (f) => readFileSync(f, 'utf8'),
  cwd = process.cwd(),
}: LoadConfigOptions): Config {
  const problems: string[] = [];
  const parsedEnv = envSchema.safeParse(env);
  if (!parsedEnv.success) {
    for (const issue of parsedEnv.error.issues)
      problems.push(describeIssue(issue, String(issue.path[0] ?? 'env')));
  }

  let fileData: unknown = {};
  const configFile = env['CONFIG_FILE']?.trim() || undefined;
  if (configFile) {
    const resolved = path.resolve(cwd, configFile);
    try {
      fileData = parseYaml(readFile(resolved)) ?? {};
      if (typeof fileData !== 'object' || Array.isArray(fileData)) {
        problems.push(`CONFIG_FILE ${configFile}: expected a YAML mapping at the top level`);
        fileData = {};
      }
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
      fileData = {};
    }
  }
  const parsedFile = fileSchema.safeParse(fileData);
  if (!parsedFile.success) {
    for (const issue of parsedFile.error.issues) {
      problems.push(describeIssue(issue, `CONFIG_FILE ${yamlPath(issue)}`));
    }
  }

  problems.push(...crossFieldProblems(env));
  if (!parsedEnv.success || !parsedFile.success || problems.length) throw new ConfigError(problems);
  const e = parsedEnv.data;
  const file = parsedFile.data;
  const isProduction = e.NODE_ENV === 'production';
  const hasTracker = Boolean((e.JIRA_HOST && e.JIRA_EMAIL && e.JIRA_API_TOKEN) || e.LINEAR_API_KEY);

  const dataDir = path.resolve(cwd, e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    isProduction,
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
    jira:
      e.JIRA_HOST && e.JIRA_EMAIL && e.JIRA_API_TOKEN
        ? {
            host: e.JIRA_HOST,
            email: e.JIRA_EMAIL,
            apiToken: e.JIRA_API_TOKEN,
            webhookSecret: e.JIRA_WEBHOOK_SECRET,
          }
        : undefined,
    linear: e.LINEAR_API_KEY
      ? { apiKey: e.LINEAR_API_KEY, apiUrl: e.LINEAR_API_URL, webhookSecret: e.LINEAR_WEBHOOK_SECRET }
      : undefined,
    sandbox: !hasTracker && !isProduction,
    emulatorPorts: { jira: e.JIRA_EMULATOR_PORT, linear: e.LINEAR_EMULATOR_PORT },
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM ?? 'Suggested Sync <no-reply@localhost>' },
    notifyCoalesceSeconds: e.NOTIFY_COALESCE_SECONDS,
    http: file.http,
    intake: file.intake,
    workers: file.workers,
    reconcile: file.reconcile,
    retention: file.retention,
    identity: file.identity,
  };
}
