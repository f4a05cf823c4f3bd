import { describe, expect, it } from 'vitest';
import { credentialFinding, linkFindings, pushErrorWords } from './health-advice.ts';
import {
  duration,
  queueFinding,
  queueMeaning,
  type SourceFacts,
  scheduleMeaning,
  sourceFinding,
} from './health-advice-runtime.ts';

const refused = { healthy: false, reason: 'refused (HTTP 401)' };

describe('credentialFinding', () => {
  it.each([
    ['jira', 'default', /set JIRA_API_TOKEN, then restart/],
    ['jira', 'eu', /apiTokenEnv in this site's entry under trackers\.jira/],
    ['linear', 'default', /set LINEAR_API_KEY, then restart/],
    ['linear', 'mobile', /apiKeyEnv in this workspace's entry under trackers\.linear/],
    ['jira', 'sandbox', /`sandbox:` section/],
  ] as const)('%s %s refused: says where the new secret goes', (kind, site, todo) => {
    const f = credentialFinding(kind, site, refused);
    expect(f.level).toBe('problem');
    expect(f.todo).toMatch(todo);
    expect(f.detail).toBe('refused (HTTP 401)');
  });

  it('is OK when healthy, and unknown (not a refusal) when the health could not be read', () => {
    expect(credentialFinding('jira', 'default', { healthy: true })).toEqual({
      level: 'ok',
      says: 'Takes our credentials.',
    });
    expect(credentialFinding('jira', 'default', undefined, 'Redis did not answer').level).toBe('warn');
  });
});

describe('linkFindings', () => {
  it.each([
    [{ failing: 0, stopped: 0, waiting: 0, markLost: 0 }, 'auth', ['ok'], 'No push waits.'],
    [{ failing: 0, stopped: 0, waiting: 3, markLost: 0 }, null, ['ok'], '3 pushes wait'],
    [{ failing: 2, stopped: 0, waiting: 2, markLost: 0 }, 'rate_limited', ['warn', 'ok'], 'slow down'],
    [{ failing: 2, stopped: 1, waiting: 0, markLost: 0 }, 'rate_limited', ['problem', 'ok'], '1 has stopped'],
    [
      { failing: 1, stopped: 0, waiting: 0, markLost: 0 },
      'auth',
      ['problem', 'ok'],
      'refused our credentials',
    ],
    [
      { failing: 0, stopped: 0, waiting: 0, markLost: 1 },
      null,
      ['problem', 'ok'],
      'no longer carries our mark',
    ],
  ] as const)('%o (latest %s)', (counts, kind, levels, words) => {
    const findings = linkFindings(counts, kind);
    expect(findings.map((f) => f.level)).toEqual(levels);
    expect(findings.map((f) => f.says).join(' ')).toContain(words);
    for (const f of findings) if (f.level !== 'ok') expect(f.todo).toBeTruthy();
  });

  it('words an error kind it does not know without losing the todo', () => {
    expect(pushErrorWords('something_new')).toMatchObject({ level: 'problem', says: 'the push failed' });
  });
});

describe('sourceFinding', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
  const source = (state: SourceFacts['state']): SourceFacts => ({
    id: 'support',
    kind: 'zendesk',
    everySeconds: 300,
    credentialVariables: ['ZENDESK_TOKEN'],
    state,
  });
  const row = {
    healthy: true,
    lastError: null,
    consecutiveFailures: 0,
    lastPullAt: minutesAgo(2),
    lastSuccessAt: minutesAgo(2),
  };
  it.each([
    ['never pulled', undefined, 'warn', 'Not pulled yet.'],
    ['pulled lately', row, 'ok', 'Pulled 2 minutes ago.'],
    [
      'refused',
      { ...row, healthy: false, lastError: 'Zendesk refused (HTTP 401)' },
      'problem',
      'Refuses our credentials',
    ],
    [
      'one failure',
      { ...row, lastError: 'HTTP 503', consecutiveFailures: 1 },
      'warn',
      'The last pull failed',
    ],
    [
      'failing',
      { ...row, lastError: 'HTTP 503', consecutiveFailures: 4 },
      'problem',
      'The last 4 pulls failed',
    ],
    [
      'quiet',
      { ...row, lastPullAt: minutesAgo(60), lastSuccessAt: minutesAgo(60) },
      'warn',
      'No pull for 1 hour',
    ],
  ] as const)('%s', (_name, state, level, says) => {
    const f = sourceFinding(source(state), now);
    expect(f.level).toBe(level);
    expect(f.says).toContain(says);
    if (level !== 'ok') expect(f.todo).toBeTruthy();
  });

  it('names the variables to set when refused', () => {
    const f = sourceFinding(source({ ...row, healthy: false, lastError: 'refused' }), now);
    expect(f.todo).toBe('Renew the zendesk credentials and set ZENDESK_TOKEN, then restart.');
  });
});

describe('queues and schedules in words', () => {
  it.each([
    [{ waiting: 0, active: 0, delayed: 4, failed: 0 }, 'ok'],
    [{ waiting: 500, active: 2, delayed: 0, failed: 0 }, 'ok'],
    [{ waiting: 500, active: 0, delayed: 0, failed: 0 }, 'warn'],
    [{ waiting: 0, active: 0, delayed: 0, failed: 3 }, 'warn'],
  ] as const)('queue %o is %s', (counts, level) => {
    expect(queueFinding(counts).level).toBe(level);
  });

  it.each([
    ['tracker-jira-eu-west', 'Pushes, status reads and backlog imports for Jira site eu-west.'],
    ['notify', 'Status emails to requesters.'],
  ])('queue %s', (name, meaning) => {
    expect(queueMeaning(name)).toBe(meaning);
  });

  it.each([
    [
      'tracker-reconcile-linear-mobile',
      'Reading the changes of Linear workspace mobile (catches a missed webhook).',
    ],
    ['tracker-import-jira-default', 'Importing the backlog of Jira site default.'],
    ['source-pull-support', 'Pulling the intake source support.'],
  ])('schedule %s', (id, meaning) => {
    expect(scheduleMeaning(id)).toBe(meaning);
  });

  it.each([
    [5_000, '5 seconds'],
    [60_000, '1 minute'],
    [5_400_000, '2 hours'],
    [3 * 86_400_000, '3 days'],
  ])('duration %d ms is %s', (ms, words) => {
    expect(duration(ms)).toBe(words);
  });
});
