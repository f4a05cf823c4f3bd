import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldError } from '../src/http/problem.ts';
import { startService, type TestService } from './helpers/service.ts';

/**
 * `POST /v1/features/:id/links` reads the issue reference before it asks a tracker: one that names no issue on the
 * chosen tracker is the caller's 400 naming `issue`, never a 502 "tracker error" after a call.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.stop();
});

// No such feature: a reference that passes reaches the tracker and then answers 404; one that does not, 400.
const FEATURE = '00000000-0000-4000-8000-00000000f00d';

/** The issue reads each emulator has answered so far (Jira REST issue routes, Linear `issueState`). */
function issueReads() {
  const { jira, linear } = svc.emulators();
  return {
    jira: jira.calls.list().filter((c) => c.path.startsWith('/rest/api/3/issue/')).length,
    linear: linear.calls.list().filter((c) => c.operation === 'issueState').length,
  };
}

const link = (body: Record<string, unknown>) => svc.post(`/v1/features/${FEATURE}/links`, body);

describe('linking by an issue reference that names no issue', () => {
  it.each([
    ['jira', 'https://elsewhere.example/browse/SBX-1'],
    ['jira', 'SBX-1 OR x'],
    ['jira', '../../x'],
    ['jira', 'X-1'],
    ['jira', '/rest/api/3/issue/SBX-1'],
    ['linear', 'https://linear.example/acme/issue/SBX-1'],
    ['linear', 'SBX-1 OR x'],
    ['linear', '../../x'],
    ['linear', '/acme/project/SBX-1'],
  ])('%s: %s → 400 naming issue, the tracker not asked', async (tracker, issue) => {
    const { jira, linear } = svc.emulators();
    // Paths are relative to the emulator's own host: right host, wrong shape.
    const base = tracker === 'jira' ? jira.url : linear.url;
    const reference = issue.startsWith('/rest') || issue.startsWith('/acme') ? `${base}${issue}` : issue;
    const before = issueReads();
    const res = await link({ issue: reference, tracker });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: FieldError[] };
    expect(problem.errors).toEqual([
      expect.objectContaining({
        field: 'issue',
        pointer: '/issue',
        detail: expect.stringMatching(/^issue must be/),
      }),
    ]);
    expect(issueReads()).toEqual(before);
    expect(svc.logs.filter((l) => l.includes('"level":50'))).toEqual([]);
  });

  it('names issue when an URL is on no configured tracker’s host', async () => {
    const res = await link({ issue: 'https://elsewhere.example/browse/SBX-1' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: FieldError[] }).errors[0]).toMatchObject({
      field: 'issue',
      detail: 'no configured tracker has issues on elsewhere.example',
    });
  });

  it('asks the tracker for a reference that names an issue (key, or URL on its host)', async () => {
    const { jira, linear } = svc.emulators();
    for (const [tracker, issue] of [
      ['jira', 'sbx-1'],
      ['jira', `${jira.url}/browse/SBX-1`],
      ['linear', `${linear.url}/#SBX-1`],
      ['linear', 'SBX-1'],
    ] as const) {
      const before = issueReads();
      const res = await link({ issue, tracker });
      expect(res.status, issue).toBe(404);
      expect(issueReads()[tracker], issue).toBeGreaterThan(before[tracker]);
    }
  });
});
