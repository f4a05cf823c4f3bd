import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.ts';

/** A debug logger whose lines a test can read back (`logs`, one JSON line each) instead of stdout. */
export function captureLogs(): { log: Logger; logs: string[] } {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { log: createLogger({ level: 'debug', destination }), logs };
}
