import { isIPv6 } from 'node:net';

/** How this machine reaches a server listening on `host` (a wildcard address through loopback). */
export function localUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `http://127.0.0.1:${port}`;
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}
