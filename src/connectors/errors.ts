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

/**
 * What one provider's HTTP failures mean, as data: the default reading (401/403 auth, 404 not found, 429 rate
 * limited, 5xx and no answer transient, any other status invalid input) with this provider's exceptions.
 */
export interface HttpFailureRules {
  /** `provider` on the ConnectorError. */
  provider: string;
  /** The provider's name in messages. */
  label: string;
  /** Statuses that mean something else at this provider than by default. */
  statusKinds?: Readonly<Partial<Record<number, ConnectorErrorKind>>> | undefined;
  /** A 429 that says nothing usable about when to come back waits this long. */
  defaultRetryAfterMs: number;
  /** Between the phrase and the provider's detail (`: ` unless given). */
  detailSeparator?: string | undefined;
}

const FAILURE_PHRASE: Record<ConnectorErrorKind, string> = {
  rate_limited: ' rate limited the call',
  auth: ' refused the credentials',
  not_found: '',
  transient: ' failed',
  invalid_input: ' rejected the call',
  config: ' configuration',
};

/** The default meaning of an HTTP status (undefined: no answer at all), before a provider's exceptions. */
function kindOfStatus(status: number | undefined, rules?: Pick<HttpFailureRules, 'statusKinds'>) {
  const special = status === undefined ? undefined : rules?.statusKinds?.[status];
  if (special) return special;
  if (status === undefined || status >= 500) return 'transient';
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  return 'invalid_input';
}

/** A rate limit as a ConnectorError: `retryAfterMs` when the provider said, else its default wait. */
export function rateLimitedError(
  rules: HttpFailureRules,
  options: { retryAfterMs?: number | undefined; status?: number | undefined; cause?: unknown },
): ConnectorError {
  const wait = options.retryAfterMs ?? rules.defaultRetryAfterMs;
  return new ConnectorError(
    'rate_limited',
    rules.provider,
    `${rules.label}${FAILURE_PHRASE.rate_limited} (retry in ${wait} ms)`,
    { status: options.status, retryAfterMs: wait, cause: options.cause },
  );
}

/**
 * An HTTP answer that is not a success, as a ConnectorError. `detail` is the provider's own error text (never what
 * we sent: request bodies hold customer text); `retryAfterMs` what the answer asked of a 429.
 */
export function classifyHttpFailure(
  rules: HttpFailureRules,
  failure: { status: number | undefined; detail: string; retryAfterMs?: number | undefined; cause?: unknown },
): ConnectorError {
  const kind = kindOfStatus(failure.status, rules);
  if (kind === 'rate_limited') return rateLimitedError(rules, failure);
  const message = `${rules.label}${FAILURE_PHRASE[kind]}${rules.detailSeparator ?? ': '}${failure.detail}`;
  return new ConnectorError(kind, rules.provider, message, { status: failure.status, cause: failure.cause });
}

/** Where a provider says when to come back after a 429, besides `Retry-After`. */
export interface RateLimitResetHeader {
  /** A header holding the unix time (seconds) the window resets, e.g. `x-ratelimit-reset`. */
  name: string;
  /** A wait read from it is at least this (the clocks may disagree). */
  minWaitMs: number;
}

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  const text = header?.trim();
  if (!text) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * How long an answer asks us to wait, in ms: `Retry-After`, else the provider's reset header when it has one;
 * undefined when neither says anything usable.
 */
export function retryAfterFromHeaders(
  headers: Pick<Headers, 'get'> | undefined,
  nowMs: number,
  reset?: RateLimitResetHeader | undefined,
): number | undefined {
  const retryAfter = parseRetryAfter(headers?.get('retry-after'), nowMs);
  if (retryAfter !== undefined || !reset) return retryAfter;
  const resetAt = Number(headers?.get(reset.name) || Number.NaN);
  return Number.isFinite(resetAt) ? Math.max(reset.minWaitMs, resetAt * 1000 - nowMs) : undefined;
}
