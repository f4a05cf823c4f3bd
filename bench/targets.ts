import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Servers under test run as child processes of the benchmark so that they do not share an event loop with the
 * load generator: a server in-process would be slowed by autocannon's own work and flatter nobody.
 */

interface RunningTarget {
  url: string;
  /** Last lines the child wrote (stdout and stderr), for diagnosing a failure. */
  tail(): string[];
  /** Lines the child wrote after it became ready: warnings and errors at LOG_LEVEL=warn. */
  linesSinceReady(): number;
  /** SIGTERM, then wait for exit (SIGKILL after `graceMs`). Resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<string>;
}

const TAIL_LINES = 40;

function exitDescription(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `code ${String(child.exitCode)}`;
}

/**
 * Starts `node <args>` (the Node running the benchmark) with exactly `env`, and resolves once GET /readyz
 * answers 200. Rejects with the child's last output if it exits first or is not ready by the deadline.
 */
export async function startTarget({
  args,
  env,
  cwd,
  port,
  readyTimeoutMs = 120_000,
}: {
  args: string[];
  env: Record<string, string>;
  cwd: string;
  port: number;
  readyTimeoutMs?: number;
}): Promise<RunningTarget> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let total = 0;
  let atReady = 0;
  // Always drain both pipes: a child blocked on a full pipe would look like a slow server.
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      total++;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once(child, 'exit');
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const stop = async (graceMs = 30_000): Promise<string> => {
    if (!hasExited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    }
    return exitDescription(child);
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (hasExited) {
      throw new Error(`exited before it was ready (${exitDescription(child)}):\n  ${lines.join('\n  ')}`);
    }
    const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      await stop(5_000);
      throw new Error(
        `not ready after ${readyTimeoutMs / 1000} s (last /readyz: ${status || 'no answer'}):\n  ${lines.join('\n  ')}`,
      );
    }
    await sleep(200);
  }
  atReady = total;

  return { url, tail: () => [...lines], linesSinceReady: () => total - atReady, stop };
}
