import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type JiraEmulator, startJiraEmulator } from './jira/server.ts';
import { type LinearEmulator, startLinearEmulator } from './linear/server.ts';

export type { FaultSpec } from './shared/faults.ts';
export { type JiraEmulator, type LinearEmulator, startJiraEmulator, startLinearEmulator };

/** The credentials the emulators accept: Jira's Basic email + API token (or Bearer), Linear's API key (or Bearer). */
export interface SandboxCredentials {
  jira: { email: string; apiToken: string; bearerTokens: string[] };
  linear: { apiKey: string; accessTokens: string[] };
}

export interface Emulators {
  jira: JiraEmulator;
  linear: LinearEmulator;
  credentials: SandboxCredentials;
  /**
   * Both emulators sign the webhooks the service registers with it. Made at the first start and kept with the
   * data: the webhooks registered are kept too, and a restarted service finds them registered already.
   */
  webhookSecret: string;
  /** Where the emulators keep their data (`DATA_DIR/sandbox`); undefined: in memory only. */
  stateDir: string | undefined;
  /** Human-readable lines saying where each emulator is and how to sign in. */
  describe(): string[];
  close(): Promise<void>;
}

/**
 * Starts the Jira and Linear emulators side by side (`npm run emulators`, and `npm start` in sandbox mode), with
 * the sandbox credentials (`sandbox:` in the YAML config; defaults sandbox@example.com / sandbox and
 * lin_api_sandbox). The project and the team are both keyed SBX. With a `dataDir`, they keep their data under
 * `dataDir/sandbox` (jira.json, linear.json) across restarts, as a real site does; without one, in memory only.
 */
export async function startEmulators({
  jiraPort,
  linearPort,
  credentials,
  dataDir,
  host,
}: {
  jiraPort: number;
  linearPort: number;
  credentials: SandboxCredentials;
  dataDir?: string | undefined;
  /** The address both listen on (HOST); default loopback. */
  host?: string | undefined;
}): Promise<Emulators> {
  const stateDir = dataDir ? path.join(dataDir, 'sandbox') : undefined;
  const webhookSecret = stateDir ? keptSecret(stateDir) : randomBytes(24).toString('base64url');
  const jira = await startJiraEmulator({
    stateFile: stateDir && path.join(stateDir, 'jira.json'),
    ...(host ? { host } : {}),
    port: jiraPort,
    email: credentials.jira.email,
    apiToken: credentials.jira.apiToken,
    bearerTokens: credentials.jira.bearerTokens,
  }).catch((err: Error) => {
    throw new Error(
      `cannot start the Jira emulator on port ${jiraPort}: ${err.message} (set JIRA_EMULATOR_PORT)`,
    );
  });
  const linear = await startLinearEmulator({
    stateFile: stateDir && path.join(stateDir, 'linear.json'),
    ...(host ? { host } : {}),
    port: linearPort,
    apiKeys: [credentials.linear.apiKey],
    accessTokens: credentials.linear.accessTokens,
  }).catch(async (err: Error) => {
    await jira.close();
    throw new Error(
      `cannot start the Linear emulator on port ${linearPort}: ${err.message} (set LINEAR_EMULATOR_PORT)`,
    );
  });
  return {
    jira,
    linear,
    credentials,
    webhookSecret,
    stateDir,
    describe: () => [
      `  Jira emulator:   ${jira.url}  (project SBX; email ${credentials.jira.email}, API token ${credentials.jira.apiToken}; play product owner at ${jira.url}/)`,
      `  Linear emulator: ${linear.apiUrl}  (team SBX; API key ${credentials.linear.apiKey}; play product owner at ${linear.url}/)`,
      stateDir
        ? `  emulator data:   kept in ${stateDir} (delete it, with the service's database, to start over)`
        : '  emulator data:   in memory only, gone at exit',
    ],
    async close() {
      await Promise.all([jira.close(), linear.close()]);
    },
  };
}

/** The webhook secret kept beside the emulators' data, made on first use. */
function keptSecret(stateDir: string): string {
  const file = path.join(stateDir, 'webhook-secret');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept) return kept;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(24).toString('base64url');
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
