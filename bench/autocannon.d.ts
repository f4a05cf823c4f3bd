/**
 * The slice of autocannon's API the benchmark uses. autocannon ships no types, and @types/autocannon describes
 * an older major; declaring only what bench/load.ts calls keeps the typing honest and the dev dependencies to one.
 * Reference: https://github.com/mcollina/autocannon#api
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface RequestParams {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    }

    interface Request extends RequestParams {
      /** Called before every request on a connection; returns the request to send. */
      setupRequest?: (request: RequestParams, context: Record<string, unknown>) => RequestParams;
    }

    interface Options {
      url: string;
      method?: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds to wait for a response before counting a timeout. */
      timeout?: number;
      headers?: Record<string, string>;
      requests?: Request[];
    }

    interface Result {
      /** Seconds the run actually took. */
      duration: number;
      /** Connection errors, timeouts included. */
      errors: number;
      timeouts: number;
      non2xx: number;
      statusCodeStats: Record<string, { count: number }>;
    }

    interface Instance extends EventEmitter {
      stop(): void;
      on(
        event: 'response',
        listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void,
      ): this;
    }
  }

  function autocannon(
    options: autocannon.Options,
    callback: (err: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;

  export = autocannon;
}
