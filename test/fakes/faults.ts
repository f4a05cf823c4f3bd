import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a fake does instead of answering: an HTTP error (429 with Retry-After, 401, 500...) or a dropped socket. */
export type Fault = { status: number; retryAfterSeconds?: number; body?: unknown } | { dropConnection: true };

interface Armed {
  path: string;
  skip: number;
  times: number;
  fault: Fault;
}

/**
 * Programmable failures for the HTTP fakes: `arm('/api/v2/incremental', { status: 429, retryAfterSeconds: 1 },
 * { skip: 2 })` lets two matching calls through, then fails the next one.
 */
export function createFaults() {
  const armed: Armed[] = [];
  return {
    arm(path: string, fault: Fault, { skip = 0, times = 1 }: { skip?: number; times?: number } = {}) {
      armed.push({ path, skip, times, fault });
    },
    clear() {
      armed.length = 0;
    },
    /** True when a fault answered this request. */
    apply(req: IncomingMessage, res: ServerResponse): boolean {
      const path = req.url ?? '';
      const hit = armed.find((a) => path.startsWith(a.path));
      if (!hit) return false;
      if (hit.skip > 0) {
        hit.skip--;
        return false;
      }
      hit.times--;
      if (hit.times <= 0) armed.splice(armed.indexOf(hit), 1);
      const { fault } = hit;
      if ('dropConnection' in fault) {
        req.socket.destroy();
        return true;
      }
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) }),
      });
      res.end(JSON.stringify(fault.body ?? { error: `fault ${fault.status}` }));
      return true;
    },
  };
}
