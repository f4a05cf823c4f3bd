#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=8
// The installed command: runs the compiled service when built (the container), else the TypeScript sources
// directly (Node 24 strips types).
// --max-semi-space-size=8 (MB) caps V8's young generation, which otherwise grows to 128 MB while the modules load
// and never gives it back; the npm scripts and the container's ENTRYPOINT pass the same flag
// (docs/development.md, "Memory").
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

// `import` runs again in a child with the node flags of the `import` npm script: --liftoff-only keeps V8 from
// compiling the embedded database's WASM with its optimizing tier, whose one compile of the expression interpreter
// takes some 600 MB for a second (docs/operations.md, "Memory figures"). Node reads these flags at start only.
const IMPORT_FLAGS = ['--liftoff-only'];

if (process.argv[2] === 'import' && IMPORT_FLAGS.some((flag) => !process.execArgv.includes(flag))) {
  const child = spawn(process.execPath, [...process.execArgv, ...IMPORT_FLAGS, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
  child.on('exit', (code, signal) => {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.off(s, forward);
    // Killed by a signal: die of the same one, so the caller sees what the import saw.
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  const compiled = new URL('../dist/main.js', import.meta.url);
  await import(existsSync(compiled) ? compiled.href : new URL('../src/main.ts', import.meta.url).href);
}
