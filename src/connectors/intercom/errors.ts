import { IntercomError, IntercomTimeoutError } from 'intercom-client';
import {
  ConnectorError,
  type ConnectorErrorKind,
  classifyHttpFailure,
  retryAfterFromHeaders,
} from '../errors.ts';
import { intercomSpec } from './spec.ts';

const RULES = intercomSpec.failures;

/**
 * Any error out of intercom-client as a ConnectorError. Messages carry Intercom's error codes only, never what we
 * sent (replies and conversations are customer text).
 */
export function classifyIntercomError(err: unknown, nowMs = Date.now()): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const make = (kind: ConnectorErrorKind, message: string) =>
    new ConnectorError(kind, RULES.provider, message, { cause: err });
  if (err instanceof IntercomTimeoutError) return make('transient', 'Intercom call timed out');
  if (err instanceof IntercomError) {
    const status = err.statusCode;
    const wait = retryAfterFromHeaders(err.rawResponse?.headers, nowMs, intercomSpec.rateLimitReset);
    const detail = intercomErrorText(err.body, status);
    return classifyHttpFailure(RULES, { status, detail, retryAfterMs: wait, cause: err });
  }
  const cause = (err as { cause?: { code?: string } } | undefined)?.cause;
  return make(
    'transient',
    `Intercom unreachable: ${cause?.code ?? (err instanceof Error ? err.name : typeof err)}`,
  );
}

/** `{"type":"error.list","errors":[{"code":"unauthorized","message":"..."}]}` as one line. */
function intercomErrorText(body: unknown, status: number | undefined): string {
  const errors = (body as { errors?: Array<{ code?: unknown; message?: unknown }> } | undefined)?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  const parts = [first?.code, first?.message].filter((p): p is string => typeof p === 'string');
  return `${parts.join(': ') || 'error'} (HTTP ${status ?? 'unknown'})`;
}
