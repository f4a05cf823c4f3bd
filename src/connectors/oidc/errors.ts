/**
 * What a failed OpenID Connect step means, from the error's fields alone (pure): the provider could not be reached,
 * it answered with an OAuth error (the person cancelled, the code was refused), or its answer failed our checks.
 */
export type OidcFailure =
  | { kind: 'unreachable' }
  | { kind: 'refused'; code: string }
  | { kind: 'invalid'; code: string };

interface OidcErrorFields {
  name?: string;
  code?: unknown;
  error?: unknown;
  cause?: unknown;
}

/** Network failures as fetch reports them (undici): a TypeError, with the system error as its cause. */
function isNetworkFailure(err: OidcErrorFields): boolean {
  for (let e: unknown = err, depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const fields = e as OidcErrorFields;
    if (fields.name === 'TypeError' || fields.name === 'AbortError' || fields.name === 'TimeoutError')
      return true;
    if (
      typeof fields.code === 'string' &&
      /^(E[A-Z]+|UND_ERR)/.test(fields.code) &&
      !fields.code.startsWith('ERR_JW')
    )
      return true;
    e = fields.cause;
  }
  return false;
}

/**
 * openid-client's errors (https://github.com/panva/openid-client/blob/main/docs/README.md): an OAuth `error`
 * from the authorization response or the token endpoint is the provider refusing; anything else on a reachable
 * provider is an answer that failed validation.
 */
export function classifyOidcError(err: unknown): OidcFailure {
  const fields = (typeof err === 'object' && err !== null ? err : {}) as OidcErrorFields;
  if (typeof fields.error === 'string') return { kind: 'refused', code: fields.error.slice(0, 60) };
  if (isNetworkFailure(fields)) return { kind: 'unreachable' };
  return { kind: 'invalid', code: typeof fields.code === 'string' ? fields.code.slice(0, 60) : 'unknown' };
}
