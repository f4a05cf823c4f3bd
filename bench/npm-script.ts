import { readFileSync } from 'node:fs';

/**
 * The arguments after `node` of an npm script (`node --max-semi-space-size=8 src/main.ts start` gives
 * `['--max-semi-space-size=8', 'src/main.ts', 'start']`), so the bench starts the service with the node flags the
 * scripts use.
 */
export function npmScriptArgs(script: string): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const [command, ...args] = (pkg.scripts[script] ?? '').split(/\s+/);
  if (command !== 'node')
    throw new Error(`npm script ${script} does not start with node: ${pkg.scripts[script]}`);
  return args;
}
