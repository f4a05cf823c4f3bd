import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers of docs/architecture.md, checked against every import in src/: a module may import values only from
 * the rooms its layer may use; types (`import type`) may come from any room that is not above it. A change that
 * breaks the picture fails here, so the document keeps matching the code. (An import of the emulators' package or
 * of a file outside src/ is no room's to make; test/production-image.test.ts says why.)
 */

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Where each room may import values from (besides itself and the shared leaves below). */
const VALUES: Record<string, readonly string[]> = {
  domain: [],
  rules: ['domain'],
  store: ['domain'],
  connectors: ['domain', 'rules', 'config'],
  config: ['domain', 'rules', 'connectors'],
  queue: ['domain', 'rules', 'config'],
  application: ['domain', 'rules', 'store', 'connectors', 'queue', 'config'],
  workers: ['domain', 'rules', 'store', 'connectors', 'queue', 'config', 'application'],
  http: ['domain', 'rules', 'store', 'connectors', 'queue', 'config', 'application'],
  cli: ['domain', 'rules', 'store', 'connectors', 'queue', 'config', 'application'],
};

/** Rooms a room must not import even types from: the ones above it. */
const NEVER: Record<string, readonly string[]> = {
  domain: ['rules', 'store', 'connectors', 'queue', 'application', 'workers', 'http', 'cli'],
  rules: ['store', 'queue', 'application', 'workers', 'http', 'cli'],
  store: ['queue', 'application', 'workers', 'http', 'cli'],
  connectors: ['queue', 'application', 'workers', 'http', 'cli'],
  queue: ['application', 'workers', 'http', 'cli'],
  application: ['workers', 'http', 'cli'],
  workers: ['http', 'cli'],
  http: ['workers', 'cli'],
};

/** Top-level single files every room may use (logging, metrics, clocks); the composition root is not one of them. */
const LEAVES = new Set(['log', 'metrics', 'deadline', 'dev-api-key']);

interface Edge {
  file: string;
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'migrations' ? [] : sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [full] : [];
  });
}

const roomOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]?.replace(/\.ts$/, '') ?? '';

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?\sfrom\s+'([^']+)'/gms)) {
      const spec = m[3] ?? '';
      const from = roomOf(file);
      const edge = { file: path.relative(SRC, file), from, typeOnly: Boolean(m[2]) };
      if (spec.startsWith('@suggested-sync/')) out.push({ ...edge, to: 'packages' });
      if (!spec.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), spec);
      const to = target.startsWith(SRC) ? roomOf(target) : 'outside-src';
      if (to !== from) out.push({ ...edge, to });
    }
  }
  return out;
}

describe('the layers in docs/architecture.md', () => {
  const all = edges();

  it('finds the imports it checks', () => {
    expect(all.length).toBeGreaterThan(200);
    expect(all.some((e) => e.from === 'http' && e.to === 'application')).toBe(true);
  });

  it('each room imports values only from the rooms below it', () => {
    const wrong = all
      .filter((e) => !e.typeOnly && VALUES[e.from] && !LEAVES.has(e.to) && !VALUES[e.from]?.includes(e.to))
      .map((e) => `${e.file}: ${e.from} -> ${e.to}`);
    expect(wrong).toEqual([]);
  });

  it('no room imports even a type from a room above it', () => {
    const wrong = all
      .filter((e) => NEVER[e.from]?.includes(e.to))
      .map((e) => `${e.file}: ${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`);
    expect(wrong).toEqual([]);
  });
});
