import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { type JiraEmulator, startJiraEmulator } from './jira/server.ts';
import { type LinearEmulator, startLinearEmulator } from './linear/server.ts';

export type SandboxCredentials = Config['sandboxCredentials'];

export interface Emulators {
  jira: JiraEmulator;
  linear: LinearEmulator;
  credentials: SandboxCredentials;
  /** Made at start: both emulators sign the webhooks the service registers with it. */
  webhookSecret: string;
  /** Human-readable lines saying where each emulator is and how to sign in. */
  describe(): string[];
  close(): Promise<void>;
}

/**
 * Starts the Jira and Linear emulators side by side (`npm run emulators`, and `npm start` in sandbox mode), with
 * the sandbox credentials (`sandbox:` in the YAML config; defaults sandbox@example.com / sandbox and
 * lin_api_sandbox). The project and the team are both keyed SBX.
 */
export async function startEmulators({
  jiraPort,
  linearPort,
  credentials,
}: {
  jiraPort: number;
  linearPort: number;
  credentials: SandboxCredentials;
}): Promise<Emulators> {
  const jira = await startJiraEmulator({
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
    webhookSecret: randomBytes(24).toString('base64url'),
    describe: () => [
      `  Jira emulator:   ${jira.url}  (project SBX; email ${credentials.jira.email}, API token ${credentials.jira.apiToken}; play product owner at ${jira.url}/)`,
      `  Linear emulator: ${linear.apiUrl}  (team SBX; API key ${credentials.linear.apiKey}; play product owner at ${linear.url}/)`,
    ],
    async close() {
      await Promise.all([jira.close(), linear.close()]);
    },
  };
}
