import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './service.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `suggested-sync <args>` as its own process with exactly `env` (plus PATH), the way an operator would. */
export function spawnCli(args: string[], env: Record<string, string>): ServiceProcess {
  // Sandbox emulators on free ports, so parallel suites never fight over 4010 / 4020.
  return spawnNode([MAIN, ...args], { JIRA_EMULATOR_PORT: '0', LINEAR_EMULATOR_PORT: '0', ...env });
}

/** Runs `node <args>` (the pinned Node 24) from the repository root with exactly `env` plus PATH. */
export function spawnNode(args: string[], env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return asServiceProcess(child);
}

/** A spawned child with its output gathered and its exit awaited. */
export function asServiceProcess(child: ReturnType<typeof spawn>): ServiceProcess {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Waits until the process answers /readyz with 200 (or fails with its output if it exits first). A first start on a
 * fresh PGlite directory runs initdb in WASM: 15-25 s on a busy two-CPU machine.
 */
export async function waitReady(proc: ServiceProcess, port: number, timeoutMs = 50_000): Promise<void> {
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  await waitFor(
    `process on port ${port} to be ready`,
    async () => {
      if (exited) throw new Error(`process exited before ready:\n${proc.stderr()}\n${proc.stdout()}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.ok ? true : undefined;
      } catch {
        return undefined;
      }
    },
    timeoutMs,
  );
}
