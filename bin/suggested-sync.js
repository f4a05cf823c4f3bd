#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=8
// The installed command: runs the compiled service when built (the container), else the TypeScript sources
// directly (Node 24 strips types).
// --max-semi-space-size=8 (MB) caps V8's young generation, which otherwise grows to 128 MB while the modules load
// and never gives it back; the npm scripts and the container's ENTRYPOINT pass the same flag
// (docs/development.md, "Memory").
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';

// `import` runs again in a child with the node flags of the `import` npm script: --liftoff-only keeps V8 from
// compiling the embedded database's WASM with its optimizing tier, whose one compile of the expression interpreter
// takes some 600 MB for a second (docs/operations.md, "Memory figures"). Node reads these flags at start only.
const IMPORT_FLAGS = ['--liftoff-only'];

if (process.argv[2] === 'import' && IMPORT_FLAGS.some((flag) => !process.execArgv.includes(flag))) {
  // A debugger flag stays with this process: the child would ask for the same port.
  const flags = process.execArgv.filter((flag) => !flag.startsWith('--inspect'));
  const child = spawn(process.execPath, [...flags, ...IMPORT_FLAGS, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
  child.on('error', (err) => {
    process.stderr.write(`suggested-sync: could not start the import: ${err.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(s, forward);
    if (!signal) process.exit(code ?? 1);
    // Killed by a signal: die of the same one, so the caller sees what the import saw. As PID 1 (a container's
    // node) a signal without a handler is ignored, so the exit code a shell gives for it is set first.
    process.exitCode = 128 + (constants.signals[signal] ?? 0);
    process.kill(process.pid, signal);
  });
} else {
  const compiled = new URL('../dist/main.js', import.meta.url);
  await import(existsSync(compiled) ? compiled.href : new URL('../src/main.ts', import.meta.url).href);
}
