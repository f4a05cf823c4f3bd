import { describe, expect, it } from 'vitest';
import { evaluate, type Observed } from '../chaos/checks.ts';
import { FAULT_KINDS } from '../chaos/faults.ts';
import { runChaos } from '../chaos/scenario.ts';
import { postgresAdminUrl, testDatabaseKind } from './helpers/database.ts';

/**
 * The short version of `npm run chaos`: the same code with small numbers, each fault once. The API and two
 * workers run as separate processes on a scratch Postgres database, which the embedded PGlite (one process by
 * construction) cannot serve: on PGlite this suite is skipped.
 */
describe.skipIf(testDatabaseKind !== 'postgres')(
  'chaos, short run (Postgres only: API and workers as separate processes need a shared database)',
  () => {
    it('kill, storm, database blip and flush under steady intake: every check passes', async () => {
      const result = await runChaos({
        requests: 80,
        seconds: 25,
        seed: 7,
        faults: FAULT_KINDS,
        settleSeconds: 150,
        postgresAdminUrl,
        progress: () => {},
      });
      console.log(result.report);
      expect(result.ok, result.report).toBe(true);
    }, 300_000);
  },
);

/** The verdict itself, on made-up observations: a check that cannot fail proves nothing. */
describe('chaos checks', () => {
  const linkRow = (featureId: string, kind: 'jira' | 'linear', issue: string) => ({
    featureId,
    kind,
    state: 'linked',
    dirty: false,
    idempotencyKey: `f-${featureId}-${kind}-default-SBX`,
    issueId: issue,
    issueKey: issue,
    featureStatus: 'shipped',
    lastError: null,
  });
  const feature = '0b6f6c36-5b6e-4a57-9d0e-2f8f3c7f4a11';
  const jiraIssue = (key: string) => ({
    kind: 'jira' as const,
    id: key,
    text: JSON.stringify({ key, fields: { labels: [`suggested-sync-f-${feature}-jira-default-SBX`] } }),
  });
  const healthy: Observed = {
    planned: 1,
    intake: { sent: 1, accepted: new Set(['r1']), refused: [], retries: 0 },
    db: {
      requests: [{ id: 'r1', triaged: true, decisions: 1 }],
      storedRequests: 1,
      links: [linkRow(feature, 'jira', 'SBX-1')],
      notifications: [{ state: 'sent', messageId: '<m1@chaos>' }],
      unprocessedWebhooks: 0,
    },
    issues: [jiraIssue('SBX-1')],
    mails: [{ envelope: { to: ['a@acme.example'] }, messageId: '<m1@chaos>' }],
    schedulesBefore: ['triage/rescore-features'],
    schedulesAfter: ['triage/rescore-features'],
    processes: [{ name: 'api', alive: true, exit: 'running' }],
    moved: [jiraIssue('SBX-1')],
    faults: { planned: 1, failed: [] },
    settle: { settled: true, seconds: 1, limitSeconds: 10, waitingFor: [] },
  };
  const failing = (o: Observed) =>
    evaluate(o)
      .filter((r) => !r.ok)
      .map((r) => r.name);

  it.each([
    ['nothing wrong', healthy, []],
    [
      'a second issue for the same feature',
      { ...healthy, issues: [jiraIssue('SBX-1'), jiraIssue('SBX-2')] },
      ['issues created once'],
    ],
    [
      'an email sent twice',
      { ...healthy, mails: [...healthy.mails, ...healthy.mails] },
      ['emails received once'],
    ],
    [
      'a request triaged twice',
      { ...healthy, db: { ...healthy.db, requests: [{ id: 'r1', triaged: true, decisions: 2 }] } },
      ['triaged exactly once'],
    ],
    ['a schedule lost', { ...healthy, schedulesAfter: [] }, ['schedules present again']],
    [
      'a dead worker',
      { ...healthy, processes: [{ name: 'worker 1', alive: false, exit: 'code 1' }] },
      ['processes alive'],
    ],
    ['no schedule seen at start', { ...healthy, schedulesBefore: [] }, ['schedules present again']],
    [
      'a link left dirty',
      { ...healthy, db: { ...healthy.db, links: [{ ...linkRow(feature, 'jira', 'SBX-1'), dirty: true }] } },
      ['links pushed, none dirty'],
    ],
    [
      'a moved issue whose feature never says shipped',
      {
        ...healthy,
        db: {
          ...healthy.db,
          links: [{ ...linkRow(feature, 'jira', 'SBX-1'), featureStatus: 'in_progress' }],
        },
      },
      ['status back from trackers'],
    ],
    [
      'a notification never received',
      { ...healthy, mails: [{ envelope: { to: ['a@acme.example'] }, messageId: '<other@chaos>' }] },
      ['notifications sent'],
    ],
    [
      'a request refused',
      {
        ...healthy,
        planned: 2,
        intake: { ...healthy.intake, refused: ['r2: 500 after 5 tries'] },
      },
      ['requests accepted (202)'],
    ],
    [
      'not settled in time',
      { ...healthy, settle: { settled: false, seconds: 10, limitSeconds: 10, waitingFor: ['1 link dirty'] } },
      ['settled'],
    ],
  ] as const)('%s', (_name, observed, expected) => {
    expect(failing(observed as Observed)).toEqual(expected);
  });
});
