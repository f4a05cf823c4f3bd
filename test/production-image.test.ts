import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type LockEntry, lockedName, npmCiArgs, npmCiInstalls, readStages } from './helpers/compose.ts';

/**
 * The production image carries no emulator code and no graphql: the Jira and Linear emulators
 * (packages/emulators, with graphql) are for sandbox mode and tests only.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const stages = readStages(read('Dockerfile'));
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(read('package.json')) as {
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const EMULATORS = '@suggested-sync/emulators';

const installedBy = (stage: string | undefined) => {
  const found = stage === undefined ? stages.at(-1) : stages.find((s) => s.name === stage);
  if (!found) throw new Error(`the Dockerfile has no stage ${stage}`);
  return npmCiInstalls(lock.packages, npmCiArgs(found));
};
const names = (installed: Record<string, LockEntry>) => Object.keys(installed).map(lockedName);

describe('the production image', () => {
  it("installs neither graphql nor the emulators: its npm ci, as the lockfile's flags decide", () => {
    const production = installedBy(undefined);
    expect(names(production)).not.toContain('graphql');
    expect(names(production)).not.toContain(EMULATORS);
    expect(Object.keys(production).filter((where) => !where.startsWith('node_modules/'))).toEqual([]);
    // Every dependency the service declares is there.
    for (const name of Object.keys(pkg.dependencies)) expect(names(production)).toContain(name);
    // What the omitted peer dependencies leave out is graphql alone (only @linear/sdk's types-only
    // @graphql-typed-document-node/core asks for it): nothing the service runs goes missing with it.
    const missingPeers = Object.values(production).flatMap((e) =>
      Object.keys(e.peerDependencies ?? {}).filter(
        (peer) => !e.peerDependenciesMeta?.[peer]?.optional && !names(production).includes(peer),
      ),
    );
    expect([...new Set(missingPeers)]).toEqual(['graphql']);
  });

  it('while the sandbox image installs both', () => {
    const sandbox = installedBy('sandbox');
    expect(names(sandbox)).toContain('graphql');
    expect(names(sandbox)).toContain(EMULATORS);
  });

  it('is compiled from src/ alone: nothing there imports the emulators, graphql, or a file outside src/', () => {
    // `npm run build`: tsc -p tsconfig.build.json, whose rootDir src/ makes a file from elsewhere a build error,
    // then the migrations copied; none of it names the emulators.
    const build = JSON.parse(read('tsconfig.build.json')) as {
      compilerOptions: { rootDir: string };
      include: string[];
    };
    expect(build.include).toEqual(['src']);
    expect(build.compilerOptions.rootDir).toBe('src');
    expect(pkg.scripts['build']).not.toMatch(/packages|sandbox|emulators/);
    // What it compiles (tests aside) imports nothing from the emulators' package or graphql: the service loads
    // the package by a name held in a variable, in sandbox mode only.
    const sources = readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
    );
    expect(sources.length).toBeGreaterThan(0);
    const offending = sources.flatMap((file) =>
      [...read(path.join('src', file)).matchAll(/(?:\bfrom|\bimport\(?)\s*'([^']+)'/g)]
        .map((m) => m[1] ?? '')
        .filter((spec) =>
          spec.startsWith('.')
            ? !path
                .resolve(ROOT, 'src', path.dirname(file), spec)
                .startsWith(path.join(ROOT, 'src', path.sep))
            : /^(?:graphql|@suggested-sync\/emulators)(?:\/|$)/.test(spec),
        )
        .map((spec) => `${file}: ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});
