import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Logs are JSON data. Secrets and personal data are never logged on purpose (code logs ids); these redactions
 * are the safety net for an object that slips through.
 */
export const REDACT_PATHS = [
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
