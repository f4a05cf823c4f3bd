import type { LinearEmulator } from '@suggested-sync/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LINEAR_RIGHT_KEY,
  type RefusedLinear,
  startServiceWithRevokedLinearKey,
} from './helpers/refused-tracker.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * A tracker that refuses our credentials (a revoked Linear key): the push is held, not failed, and /readyz and
 * /metrics say which tracker is unhealthy and why, while intake keeps accepting requests.
 */

let linear: LinearEmulator;
let svc: TestService;
let refused: RefusedLinear | undefined;

beforeAll(async () => {
  refused = await startServiceWithRevokedLinearKey();
  ({ svc, linear } = refused);
});
afterAll(async () => {
  await refused?.stop();
});

describe('tracker credentials refused', () => {
  it('marks the tracker unhealthy in /readyz and /metrics, holds its push, and keeps intake open', async () => {
    const res = await svc.post('/v1/requests', validRequest({ title: 'Dark mode' }));
    expect(res.status).toBe(202);
    const ready = await waitFor('the tracker reported unhealthy', async () => {
      const body = (await (await fetch(`${svc.url}/readyz`)).json()) as {
        status: string;
        trackers?: Record<string, string>;
      };
      return body.status === 'degraded' ? body : undefined;
    });
    expect(ready.trackers?.['linear/default']).toMatch(/^unhealthy: linear refused the credentials/);
    // Degraded is still ready: requests keep coming in.
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
    expect((await svc.post('/v1/requests', validRequest({ title: 'Audit log' }))).status).toBe(202);

    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/suggested_sync_tracker_healthy\{tracker="linear",site="default"\} 0/);
    // Held, not failed: the link waits with the reason and no issue was created.
    const { id } = (await res.json()) as { id: string };
    const view = (await (await svc.get(`/v1/requests/${id}`)).json()) as { feature: { id: string } };
    const [link] = await svc.runtime.store.links.forFeature(view.feature.id);
    expect(link?.state).toBe('pending');
    expect(link?.lastErrorKind).toBe('auth');
    expect(linear.state.issues.size).toBe(0);
  });
});

describe('status map names the tracker does not have', () => {
  it('are reported at start in the log and suggested_sync_status_map_unknown_names', async () => {
    const checked = await startService({
      env: { LINEAR_API_KEY: LINEAR_RIGHT_KEY, LINEAR_API_URL: linear.apiUrl },
      yaml: [
        'routing:',
        '  default: { linear: { team: SBX } }',
        'statusMap:',
        '  linear:',
        "    byName: { 'Shipped to prod': shipped, 'in progress': in_progress }",
      ].join('\n'),
    });
    try {
      const line = await waitFor('the warning', async () =>
        checked.logs.find((l) => l.includes('statusMap names statuses this tracker does not have')),
      );
      expect(JSON.parse(line)).toMatchObject({
        tracker: 'linear',
        site: 'default',
        names: ['Shipped to prod'],
      });
      const metrics = await (await fetch(`${checked.url}/metrics`)).text();
      expect(metrics).toMatch(/suggested_sync_status_map_unknown_names\{tracker="linear",site="default"\} 1/);
    } finally {
      await checked.stop();
    }
  });
});
