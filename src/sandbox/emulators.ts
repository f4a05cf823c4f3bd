import { type JiraEmulator, startJiraEmulator } from './jira/server.ts';
import { type LinearEmulator, startLinearEmulator } from './linear/server.ts';

/** The sandbox credentials: printed at start and in the README. */
export const SANDBOX_CREDENTIALS = {
  jira: { email: 'sandbox@example.com', apiToken: 'sandbox', project: 'SBX' },
  linear: { apiKey: 'lin_api_sandbox', team: 'SBX' },
} as const;

export interface Emulators {
  jira: JiraEmulator;
  linear: LinearEmulator;
  /** Human-readable lines saying where each emulator is and how to sign in. */
  describe(): string[];
  close(): Promise<void>;
}

/** Starts the Jira and Linear emulators side by side (`npm run emulators`, and `npm start` in sandbox mode). */
export async function startEmulators({
  jiraPort,
  linearPort,
}: {
  jiraPort: number;
  linearPort: number;
}): Promise<Emulators> {
  const jira = await startJiraEmulator({
    port: jiraPort,
    email: SANDBOX_CREDENTIALS.jira.email,
    apiToken: SANDBOX_CREDENTIALS.jira.apiToken,
  }).catch((err: Error) => {
    throw new Error(
      `cannot start the Jira emulator on port ${jiraPort}: ${err.message} (set JIRA_EMULATOR_PORT)`,
    );
  });
  const linear = await startLinearEmulator({
    port: linearPort,
    apiKeys: [SANDBOX_CREDENTIALS.linear.apiKey],
  }).catch(async (err: Error) => {
    await jira.close();
    throw new Error(
      `cannot start the Linear emulator on port ${linearPort}: ${err.message} (set LINEAR_EMULATOR_PORT)`,
    );
  });
  return {
    jira,
    linear,
    describe: () => [
      `  Jira emulator:   ${jira.url}  (project ${SANDBOX_CREDENTIALS.jira.project}; email ${SANDBOX_CREDENTIALS.jira.email}, API token ${SANDBOX_CREDENTIALS.jira.apiToken}; play product owner at ${jira.url}/)`,
      `  Linear emulator: ${linear.apiUrl}  (team ${SANDBOX_CREDENTIALS.linear.team}; API key ${SANDBOX_CREDENTIALS.linear.apiKey}; play product owner at ${linear.url}/)`,
    ],
    async close() {
      await Promise.all([jira.close(), linear.close()]);
    },
  };
}
