#!/usr/bin/env node
// The installed command: runs the compiled service when built (the container), else the TypeScript sources
// directly (Node 24 strips types).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : new URL('../src/main.ts', import.meta.url).href);
