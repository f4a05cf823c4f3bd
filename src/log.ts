import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Logs are JSON data. Secrets and personal data are never logged on purpose (code logs ids); these redactions
 * are the safety net for an object that slips through.
 */
const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'email',
  '*.email',
  '*.*.email',
  'body',
  '*.body',
  // Intake sources and mail: resolved secrets, the SMTP URL (it carries the password), webhook and bot secrets.
  'secrets',
  '*.secrets',
  '*.*.secrets',
  'smtpUrl',
  '*.smtpUrl',
  'signingSecret',
  '*.signingSecret',
  'webhookSecret',
  '*.webhookSecret',
  'botToken',
  '*.botToken',
  '*.*.password',
  // A message as sent (OutgoingMail, a reply): its recipient and its rendered text.
  'address',
  '*.address',
  '*.*.address',
  'text',
  '*.text',
  'html',
  '*.html',
];

export function createLogger(options: {
  level: string;
  name?: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'suggested-sync',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/**
 * An error as it may be logged: type, message and stack frames, plus a database error's code, constraint and
 * table. Never bound values: Drizzle appends a failed query's parameters (customer text, emails) to its message
 * after "params:" (DrizzleQueryError, drizzle-orm/src/errors.ts), and Postgres puts key values in `detail`
 * (https://www.postgresql.org/docs/current/protocol-error-fields.html), so both are dropped.
 */
export function errorForLog(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const out: Record<string, unknown> = {
    type: err.name,
    message: (err.message.split('\nparams:')[0] ?? '').slice(0, 500),
  };
  const db = (err.cause ?? err) as {
    code?: unknown;
    constraint?: unknown;
    table?: unknown;
    column?: unknown;
  };
  for (const key of ['code', 'constraint', 'table', 'column'] as const) {
    if (typeof db[key] === 'string') out[key] = db[key];
  }
  if (err.cause instanceof Error) out['cause'] = err.cause.name;
  const frames = err.stack?.split('\n').filter((line) => line.trimStart().startsWith('at '));
  if (frames?.length) out['stack'] = frames.slice(0, 8).join('\n');
  return out;
}
