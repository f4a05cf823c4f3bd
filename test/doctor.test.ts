import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type JiraEmulator,
  type LinearEmulator,
  startJiraEmulator,
  startLinearEmulator,
} from '@suggested-sync/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from './helpers/process.ts';
import { sharedRedisUrl } from './helpers/redis.ts';

/** `npm run doctor` against trackers configured like real ones (the emulators, reached over HTTP). */

let jira: JiraEmulator;
let linear: LinearEmulator;
const dir = mkdtempSync(path.join(tmpdir(), 'ss-doctor-'));
beforeAll(async () => {
  jira = await startJiraEmulator({ port: 0 });
  linear = await startLinearEmulator({ port: 0 });
});
afterAll(async () => {
  await jira?.close();
  await linear?.close();
});

function doctor(yaml: string, env: Record<string, string> = {}) {
  const file = path.join(dir, `doctor-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return spawnCli(['doctor'], {
    REDIS_URL: sharedRedisUrl,
    DATA_DIR: dir,
    CONFIG_FILE: file,
    JIRA_HOST: jira.url,
    JIRA_EMAIL: 'sandbox@example.com',
    JIRA_API_TOKEN: 'sandbox',
    LINEAR_API_KEY: 'lin_api_sandbox',
    LINEAR_API_URL: linear.apiUrl,
    ...env,
  });
}

const routing = [
  'routing:',
  '  rules:',
  '    - { when: { tags: [jira] }, target: { jira: { project: SBX, issueType: Task } } }',
  '  default: { linear: { team: SBX } }',
].join('\n');

describe('doctor checks each configured tracker', () => {
  it('reports credentials, projects, teams and issue types as ok, and exits 0', async () => {
    const proc = doctor(routing);
    expect((await proc.exited).code).toBe(0);
    const out = proc.stdout();
    expect(out).toMatch(/^ok {4}jira default: credentials/m);
    expect(out).toMatch(/^ok {4}linear default: credentials/m);
    expect(out).toMatch(/^ok {4}jira default: project SBX/m);
    expect(out).toMatch(/^ok {4}linear default: team SBX/m);
    expect(out).not.toMatch(/^FAIL/m);
  });

  it('names a missing project, a wrong token and status names the trackers do not have, and exits 1', async () => {
    const yaml = [
      'routing:',
      '  rules:',
      '    - { when: { tags: [jira] }, target: { jira: { project: NOPE } } }',
      '  default: { linear: { team: SBX } }',
      'statusMap:',
      '  jira: { byName: { Parked: planned } }',
      '  linear: { byName: { Someday: planned } }',
    ].join('\n');
    const proc = doctor(yaml, { LINEAR_API_KEY: 'lin_api_wrong' });
    expect((await proc.exited).code).toBe(1);
    const out = proc.stdout();
    expect(out).toMatch(/^FAIL {2}jira default: project NOPE/m);
    expect(out).toMatch(/^FAIL {2}jira default: .*Parked/m);
    expect(out).toMatch(/^FAIL {2}linear default: credentials: auth/m);
  });

  it('names a Linear state the status map configures but the workspace does not have', async () => {
    const proc = doctor(`${routing}\nstatusMap:\n  linear: { byName: { Someday: planned } }\n`);
    expect((await proc.exited).code).toBe(1);
    expect(proc.stdout()).toMatch(
      /^FAIL {2}linear default: status map: statusMap names linear: Someday, which the workspace does not have$/m,
    );
  });
});
