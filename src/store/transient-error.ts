/**
 * Whether a database error is the connection failing for now (a restart, a failover, an operator's
 * pg_terminate_backend, connections refused for a while) rather than the work itself being wrong (bad credentials,
 * a database that does not exist, a migration's SQL). Only the first kind is worth waiting out.
 */

/** SQLSTATEs of a server going away or not yet taking connections (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, a fast shutdown
  '57P02', // crash_shutdown: another backend crashed, the server restarts
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '53300', // too_many_connections: others hold every slot for now
]);
/** Class 08: connection exceptions. */
const TRANSIENT_SQLSTATE_CLASSES = ['08'];

/** Socket and DNS failures of the client (Node's error codes). */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** node-postgres and pg-pool errors that carry no code, and 55000 when it is a database closed to connections. */
const TRANSIENT_MESSAGES = [
  /^Connection terminated/, // the socket closed under a query or a connect
  /is not queryable/, // a client whose connection already died
  /timeout exceeded when trying to connect/, // pg-pool's connectionTimeoutMillis
  /is not currently accepting connections/, // ALTER DATABASE … ALLOW_CONNECTIONS false (SQLSTATE 55000)
];

function isTransientOne(err: { code?: unknown; message?: unknown }): boolean {
  const code = typeof err.code === 'string' ? err.code : '';
  if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SOCKET_CODES.has(code)) return true;
  if (code.length === 5 && TRANSIENT_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  const message = typeof err.message === 'string' ? err.message : '';
  return TRANSIENT_MESSAGES.some((re) => re.test(message));
}

/**
 * True when `err`, the error it wraps (Drizzle's query error keeps the driver's as `cause`), or any of an
 * AggregateError's errors (a host with several addresses, each refused) is a transient connection failure.
 */
export function isTransientDatabaseError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 5) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (isTransientOne(e)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isTransientDatabaseError(x, depth + 1))) return true;
  return isTransientDatabaseError(e.cause, depth + 1);
}
