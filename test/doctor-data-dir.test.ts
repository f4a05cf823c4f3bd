import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from './helpers/process.ts';
import { sharedRedisUrl } from './helpers/redis.ts';

/**
 * `npm run doctor` on the embedded database: a DATA_DIR the service could not keep PGlite in fails the check.
 * (Tests run as root, which may write anywhere, so the unusable directories here are files, not permissions.)
 */
const dir = mkdtempSync(path.join(tmpdir(), 'ss-doctor-data-'));
const file = path.join(dir, 'a-file');
writeFileSync(file, 'not a directory');

function doctor(dataDir: string) {
  return spawnCli(['doctor'], { REDIS_URL: sharedRedisUrl, DATA_DIR: dataDir });
}

describe('doctor checks DATA_DIR for the embedded database', () => {
  it.each([
    ['a regular file', file],
    ['a path under a regular file', path.join(file, 'data')],
  ])(
    'DATA_DIR that is %s: FAIL naming it, exit 1',
    async (_what, dataDir) => {
      const proc = doctor(dataDir);
      expect((await proc.exited).code).toBe(1);
      expect(proc.stdout()).toContain(
        `FAIL  database: embedded PGlite in ${path.join(dataDir, 'pglite')} cannot be used: ${file} is a file, not a directory (check DATA_DIR)`,
      );
    },
    60_000,
  );

  it('a directory yet to be made under a writable one: ok', async () => {
    const dataDir = path.join(dir, 'new', 'data');
    const proc = doctor(dataDir);
    await proc.exited;
    expect(proc.stdout()).toMatch(/^ok {4}database: embedded PGlite in \S+ \(single process/m);
  }, 60_000);
});
