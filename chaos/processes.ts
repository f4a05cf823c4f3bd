import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { npmScriptArgs, npmScriptEnv } from '../bench/npm-script.ts';
import { pollUntil } from '../support/poll.ts';

/**
 * The service's processes as an operator runs them: each role's npm script (`node --max-semi-space-size=8
 * src/main.ts <role>`, the node flags included) in its own process, with exactly the environment given (nothing
 * leaks in from the caller's shell). The suite kills them with SIGKILL, so it needs the child itself, not only a way
 * to stop it.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TAIL_LINES = 30;

export interface ServiceProcess {
  name: string;
  /** True while the process has neither exited nor been killed. */
  alive(): boolean;
  /** `code 0`, `signal SIGKILL`, or `running`. */
  exit(): string;
  /** The last lines it wrote (stdout and stderr): why it died, when it did. */
  tail(): string[];
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** `role` is the npm script to start (`start`, `api`, `worker`, `emulators`); `args` follow its own. */
export function spawnService(
  name: string,
  [role, ...args]: [string, ...string[]],
  env: Record<string, string>,
): ServiceProcess {
  const child: ChildProcess = spawn(process.execPath, [...npmScriptArgs(role), ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...npmScriptEnv(role), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  // Always drain both pipes: a child blocked on a full pipe would look like a hung service.
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit').then(() => {});
  const alive = () => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: NodeJS.Signals) => {
    if (!alive()) return;
    child.kill(signal);
    await exited;
  };
  return {
    name,
    alive,
    exit: () =>
      child.signalCode
        ? `signal ${child.signalCode}`
        : child.exitCode === null
          ? 'running'
          : `code ${child.exitCode}`,
    tail: () => [...lines],
    kill,
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await kill('SIGTERM');
      clearTimeout(killer);
    },
  };
}

/** Waits until `url` answers 200 (a service's /readyz, an emulator's state); fails early if the process died. */
export async function waitReady(proc: ServiceProcess, url: string, timeoutMs = 60_000): Promise<void> {
  await pollUntil(
    `${proc.name} ready at ${url}`,
    async () => {
      if (!proc.alive())
        throw new Error(
          `${proc.name} exited (${proc.exit()}) before it was ready:\n  ${proc.tail().join('\n  ')}`,
        );
      const status = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
        (res) => res.status,
        () => 0,
      );
      return status === 200 ? true : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}
