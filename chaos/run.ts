import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind } from './faults.ts';
import { runChaos } from './scenario.ts';

/**
 * `npm run chaos`: steady intake through the API while one worker is killed and restarted, the emulators storm
 * with 429s and 5xx, the database's connections are terminated and Redis is flushed; then, once the system has
 * settled, checks that every accepted request was triaged once, no issue was made twice, no email went twice,
 * the schedules came back and every process is alive. Prints the checks with their aims; exits 1 if any fails.
 *
 *   npm run chaos -- [--requests 240] [--seconds 60] [--seed 1] [--faults kill,storm,db,flush] [--settle 180]
 *
 * Needs a Postgres role that may create databases (CHAOS_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres) and `redis-server` installed (the run starts a private one).
 */

function positive(flag: string, value: string, integer = false): number {
  const n = Number(value);
  if (!(n > 0) || (integer && !Number.isInteger(n)))
    throw new Error(`--${flag}: expected a positive ${integer ? 'whole number' : 'number'}, got ${value}`);
  return n;
}

function parseFlags() {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '240' },
      seconds: { type: 'string', default: '60' },
      seed: { type: 'string', default: '1' },
      faults: { type: 'string', default: FAULT_KINDS.join(',') },
      settle: { type: 'string', default: '180' },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`--seed: expected a whole number ≥ 0, got ${values.seed}`);
  const faults = values.faults
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = faults.filter((f) => !(FAULT_KINDS as readonly string[]).includes(f));
  if (unknown.length > 0)
    throw new Error(
      `--faults: expected some of ${FAULT_KINDS.join(',')} (or none), got ${unknown.join(',')}`,
    );
  return {
    requests: positive('requests', values.requests, true),
    seconds: positive('seconds', values.seconds),
    seed,
    faults: FAULT_KINDS.filter((f): f is FaultKind => faults.includes(f)),
    settleSeconds: positive('settle', values.settle),
  };
}

async function main(): Promise<number> {
  const flags = parseFlags();
  const result = await runChaos({
    ...flags,
    postgresAdminUrl: process.env['CHAOS_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres',
    progress: (message) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`),
  });
  process.stdout.write(`\n${result.report}\n`);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`chaos: ${err.message}\n`);
    process.exit(1);
  },
);
