import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMORY_AIMS_MB } from '../bench/memory-target.ts';
import { EXIT } from '../src/cli/import.ts';
import { openImported } from './helpers/csv-import.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { asServiceProcess } from './helpers/process.ts';

/**
 * The import on the embedded database runs without V8's optimizing WASM compiler however it is launched: its one
 * compile of PGlite's expression interpreter takes some 600 MB for a second (docs/benchmark.md, "Memory figures").
 * The npm script carries the flag (test/processes.test.ts); the installed command, which the container runs too,
 * starts `import` again with it. Measured on an existing database: into an empty one, initdb's peak comes first.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROWS = 20_000;
let database: TestDatabase;
let csv: string;

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  const db = openImported(database);
  try {
    await db.migrate();
  } finally {
    await db.close();
  }
  csv = path.join(database.dataDir, 'rows.csv');
  const out = createWriteStream(csv);
  out.write('id,title,description,email\n');
  for (let i = 0; i < ROWS; i++) {
    const line = `${i},"Feature ${i % 97}","Customer ${i} asked ${'x'.repeat(i % 300)}",user${i}@company${i % 500}.example.com\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}, 120_000);

afterAll(async () => {
  await database?.drop();
});

const MB = { MB: 1, GB: 1024, KB: 1 / 1024, B: 1 / 2 ** 20 } as const;

describe('the import on PGlite runs on the baseline WASM compiler however it is launched', () => {
  it('the installed command imports every row with its peak RSS under the aim', async () => {
    const proc = launch(['import', csv]);
    const { code } = await proc.exited;
    const out = proc.stdout();
    expect(code, proc.stderr()).toBe(EXIT.ok);
    expect(out).toContain(`created:    ${ROWS.toLocaleString('en-US')}`);
    const peak = /peak RSS ([\d.]+) (GB|MB|KB|B)\)/.exec(out);
    expect(peak, out).not.toBeNull();
    const peakMb = Number(peak?.[1]) * MB[(peak?.[2] ?? 'B') as keyof typeof MB];
    // With the optimizing tier the same import peaks at 700-800 MB; without it, at about 300 MB.
    expect(peakMb).toBeLessThan(MEMORY_AIMS_MB.import);
  }, 120_000);

  it('the installed command ends as its import does: the exit code, or the signal that stopped it', async () => {
    const missing = launch(['import', path.join(database.dataDir, 'no-such.csv')]);
    expect((await missing.exited).code, missing.stderr()).toBe(EXIT.noInput);

    const stopped = launch(['import', csv]);
    // Stopped while its child runs the import: the signal reaches the child, which stops before the end (no
    // summary), and the command dies of the same signal.
    const importPid = await childRunning(stopped.child.pid ?? 0, '--liftoff-only');
    stopped.child.kill('SIGTERM');
    const end = await stopped.exited;
    expect(end.signal ?? end.code, stopped.stderr()).toBeOneOf(['SIGTERM', 128 + 15]);
    await ended(importPid);
    expect(stopped.stdout()).not.toContain('created:');
  }, 120_000);
});

/**
 * The installed command, executed as a shell would: the kernel reads its first line; `node` is the pinned Node 24
 * npm puts first.
 */
function launch(args: string[]) {
  const child = spawn(path.join(ROOT, 'bin/suggested-sync.js'), args, {
    cwd: ROOT,
    env: {
      PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env['PATH'] ?? ''}`,
      DATA_DIR: database.dataDir,
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return asServiceProcess(child);
}

/** The pid of `parent`'s child whose command line has `flag`, once it runs. */
async function childRunning(parent: number, flag: string): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      const stat = readProc(entry, 'stat');
      // The parent pid is the field after the state, past the command name's closing parenthesis.
      const ppid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readProc(entry, 'cmdline')?.split('\0').includes(flag)) return Number(entry);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no child of ${parent} running with ${flag}`);
}

/** Waits until `pid` has exited (gone, or a zombie nobody reaped yet). */
async function ended(pid: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const stat = readProc(String(pid), 'stat');
    if (stat === undefined || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`process ${pid} still running`);
}

function readProc(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}
