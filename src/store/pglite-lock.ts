import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * PGlite's data directory may only be open in one PGlite instance at a time: a second one (another process, or
 * another instance in this process) recovers from a stale point and corrupts it
 * (https://github.com/electric-sql/pglite/issues/323). PGlite has no lock of its own, so this one, a file holding
 * the owner's pid, makes a second `npm start`, or `npm run migrate` next to a running service, fail with a clear
 * message instead. A lock left by a dead process is taken over.
 */
// Process-wide on purpose: the fact it records (which data directories this process has open) is itself
// process-wide, and two stores created apart must see each other.
const heldHere = new Set<string>();

export function lockPgliteDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(path.resolve(dataDir), '..', `${path.basename(path.resolve(dataDir))}.lock`);
  if (heldHere.has(file))
    throw new Error(`the embedded database in ${dataDir} is already open in this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(file);
      return () => {
        if (!heldHere.delete(file)) return;
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8').trim());
      // Our own pid in a lock we do not hold is a previous incarnation's (pid reuse, e.g. PID 1 in a container).
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by process ${owner}; stop it first, or set DATABASE_URL to share a Postgres server between processes`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the embedded database in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
