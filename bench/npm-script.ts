import { readFileSync } from 'node:fs';

/**
 * An npm script's launch, split as a process spawner needs it: the environment it sets before `node` and the
 * arguments after `node` (`MALLOC_ARENA_MAX=2 node --max-semi-space-size=8 src/main.ts start` gives
 * `{ env: { MALLOC_ARENA_MAX: '2' }, args: ['--max-semi-space-size=8', 'src/main.ts', 'start'] }`), so the bench
 * and the chaos suite start the service exactly as the scripts do.
 */
export function npmScript(script: string): { env: Record<string, string>; args: string[] } {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (pkg.scripts[script] ?? '').split(/\s+/).filter(Boolean);
  const env: Record<string, string> = {};
  let assignment = /^([A-Z_][A-Z0-9_]*)=(\S*)$/.exec(words[0] ?? '');
  while (assignment) {
    env[assignment[1] as string] = assignment[2] as string;
    words.shift();
    assignment = /^([A-Z_][A-Z0-9_]*)=(\S*)$/.exec(words[0] ?? '');
  }
  const [command, ...args] = words;
  if (command !== 'node')
    throw new Error(`npm script ${script} does not start with node: ${pkg.scripts[script]}`);
  return { env, args };
}

/** The arguments after `node` of an npm script (see npmScript). */
export function npmScriptArgs(script: string): string[] {
  return npmScript(script).args;
}

/** The variables an npm script sets before `node` (see npmScript). */
export function npmScriptEnv(script: string): Record<string, string> {
  return npmScript(script).env;
}

/** How a launch reads in a report: `MALLOC_ARENA_MAX=2 node --max-semi-space-size=8`. */
export function launchText(env: Record<string, string>, flags: readonly string[]): string {
  return [...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'node', ...flags].join(' ');
}
