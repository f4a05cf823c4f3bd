import type { Config } from '../config/load.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Trackers } from './tracker-registry.ts';

/**
 * What the service uses of the running Jira and Linear emulators. They live in their own package
 * (`@suggested-sync/emulators`, packages/emulators), which this interface mirrors without importing: the
 * production build and image leave the package out.
 */
export interface SandboxEmulators {
  jira: { url: string };
  linear: { url: string; apiUrl: string };
  /** The secret both emulators sign the webhooks the service registers with them. */
  webhookSecret: string;
  /** Human-readable lines saying where each emulator is and how to sign in. */
  describe(): string[];
  close(): Promise<void>;
}

interface SandboxEmulatorOptions {
  jiraPort: number;
  linearPort: number;
  credentials: Config['sandboxCredentials'];
  /** Their data is kept under `dataDir/sandbox`; undefined: in memory only. */
  dataDir?: string | undefined;
  /** The address both listen on; default loopback. */
  host?: string | undefined;
}

/** The part of the emulators package the service calls. */
export interface EmulatorsPackage {
  startEmulators(options: SandboxEmulatorOptions): Promise<SandboxEmulators>;
}

/** A variable, not a literal: the compiler then leaves the package out of the production build. */
const EMULATORS_PACKAGE = '@suggested-sync/emulators';

/**
 * Starts both emulators, loading their package on first use: only sandbox mode and `npm run emulators` get here,
 * never a production process (the production image does not carry the package).
 */
export async function startSandboxEmulators(options: SandboxEmulatorOptions): Promise<SandboxEmulators> {
  const loaded = (await import(EMULATORS_PACKAGE).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(EMULATORS_PACKAGE))
      throw new Error(
        `the Jira and Linear emulators are not installed here (${EMULATORS_PACKAGE}): the production image leaves them out, the sandbox image has them`,
      );
    throw err;
  })) as EmulatorsPackage;
  return loaded.startEmulators(options);
}

/**
 * Sandbox mode: each emulator sends its webhooks here, signed with the secret made at start, as a real site
 * would once registered (docs/trackers.md, "Setting up a real Jira site and Linear workspace").
 */
export async function registerSandboxWebhooks(
  trackers: Trackers,
  emulators: SandboxEmulators,
  baseUrl: string,
  log: Logger,
) {
  for (const tracker of trackers.all()) {
    const url = `${baseUrl}/webhooks/${tracker.kind}/${tracker.site}`;
    await tracker
      .registerWebhook(url, emulators.webhookSecret)
      .catch((err: unknown) =>
        log.warn({ tracker: tracker.kind, error: errorForLog(err) }, 'cannot register the sandbox webhook'),
      );
  }
}
