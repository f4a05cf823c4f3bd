/**
 * The one error shape at the connector boundary. Each connector classifies its SDK's errors into these kinds in a
 * pure `errors.ts`; one place (the worker) turns a kind into queue behaviour:
 * - `rate_limited`: pause the tracker's queue for `retryAfterMs` without burning an attempt;
 * - `transient` (5xx, network, timeouts): retry with exponential backoff and jitter;
 * - `auth` (401/403): mark the tracker unhealthy and hold its queue until fixed;
 * - `not_found`: the issue is gone (unlink), or a configured project/team does not exist;
 * - `invalid_input` (400): stop the job and record the reason where an operator sees it;
 * - `config`: our configuration is wrong (unknown project, issue type, state); stop and report.
 */
export type ConnectorErrorKind =
  | 'rate_limited'
  | 'transient'
  | 'auth'
  | 'not_found'
  | 'invalid_input'
  | 'config';

export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  readonly provider: string;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(
    kind: ConnectorErrorKind,
    provider: string,
    message: string,
    options: { retryAfterMs?: number | undefined; status?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.provider = provider;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/**
 * A webhook delivery whose signature does not check out (or that cannot be checked: no secret configured). The
 * webhook routes answer it 401 and store nothing. Kept apart from ConnectorError 'auth', which says a provider
 * refused *our* credentials: a delivery that needs an API call we cannot make is not the sender's fault.
 */
export class WebhookSignatureError extends Error {
  readonly provider: string;

  constructor(provider: string, message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
    this.provider = provider;
  }
}

export function isConnectorError(err: unknown): err is ConnectorError {
  return err instanceof ConnectorError;
}
