import { type LinearEmulator, startLinearEmulator } from '@suggested-sync/emulators';
import { startService, type TestService } from './service.ts';

/** The right key the Linear emulator takes; the service is given another, as if its key had been revoked. */
export const LINEAR_RIGHT_KEY = 'lin_api_the_right_one';

export interface RefusedLinear {
  svc: TestService;
  linear: LinearEmulator;
  stop(): Promise<void>;
}

/** A service routing every feature to a Linear workspace that refuses its (revoked) key. */
export async function startServiceWithRevokedLinearKey(): Promise<RefusedLinear> {
  const linear = await startLinearEmulator({ port: 0, apiKeys: [LINEAR_RIGHT_KEY] });
  const svc = await startService({
    env: { LINEAR_API_KEY: 'lin_api_revoked', LINEAR_API_URL: linear.apiUrl },
    // A short push window: a new feature's issue is created one window after its first request.
    yaml: 'routing:\n  default: { linear: { team: SBX } }\npush:\n  coalesceSeconds: 0.2\n',
  }).catch(async (err: unknown) => {
    await linear.close();
    throw err;
  });
  return {
    svc,
    linear,
    stop: async () => {
      await svc.stop();
      await linear.close();
    },
  };
}
