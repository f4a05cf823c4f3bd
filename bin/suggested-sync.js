#!/usr/bin/env -S node --max-semi-space-size=8
// The installed command: runs the compiled service when built (the container), else the TypeScript sources
// directly (Node 24 strips types).
// --max-semi-space-size=8 (MB) caps V8's young generation, which otherwise grows to 128 MB while the modules load
// and never gives it back; the npm scripts and the container's ENTRYPOINT pass the same flag
// (docs/development.md, "Memory").
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : new URL('../src/main.ts', import.meta.url).href);
