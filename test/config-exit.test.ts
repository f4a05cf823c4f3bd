import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from './helpers/process.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'ss-config-'));

describe('configuration errors stop the process with exit 2 and every problem listed', () => {
  it('bad env values: one line per variable', async () => {
    const proc = spawnCli(['start'], {
      PORT: 'eighty',
      REDIS_URL: 'http://127.0.0.1:6379',
      DATABASE_URL: 'mysql://localhost/db',
      LOG_LEVEL: 'chatty',
      API_KEYS: 'short',
      JIRA_HOST: 'https://acme.atlassian.net',
      DATA_DIR: dir,
    });
    const { code } = await proc.exited;
    expect(code).toBe(2);
    const lines = proc.stderr().trim().split('\n');
    expect(lines[0]).toMatch(/invalid configuration \(7 problems\)/);
    for (const expected of [
      /^ {2}PORT: expected a port number$/,
      /^ {2}REDIS_URL: expected a URL starting with redis:\/\/ or rediss:\/\/$/,
      /^ {2}DATABASE_URL: expected a URL starting with postgres:\/\/ or postgresql:\/\/$/,
      /^ {2}LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent$/,
      /^ {2}API_KEYS: expected comma-separated keys of at least 16 characters each$/,
      /^ {2}JIRA_EMAIL: required when any of JIRA_HOST, JIRA_EMAIL, JIRA_API_TOKEN is set$/,
      /^ {2}JIRA_API_TOKEN: required when/,
    ]) {
      expect(
        lines.some((l) => expected.test(l)),
        `a line matching ${expected}\n${proc.stderr()}`,
      ).toBe(true);
    }
  });

  it('a bad CONFIG_FILE: YAML paths named, together with env problems', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'intake:',
        '  rateLimit:',
        '    requests: lots',
        '    burst: 5',
        'workers:',
        '  concurrency:',
        '    triage: 0',
        'routes: {}',
      ].join('\n'),
    );
    const proc = spawnCli(['start'], { CONFIG_FILE: file, PORT: '-1', DATA_DIR: dir });
    const { code } = await proc.exited;
    expect(code).toBe(2);
    const err = proc.stderr();
    expect(err).toMatch(/\(5 problems\)/);
    expect(err).toMatch(/PORT: expected a port between 0 and 65535/);
    expect(err).toMatch(/CONFIG_FILE intake\.rateLimit\.requests: .*expected number/);
    expect(err).toMatch(/CONFIG_FILE intake\.rateLimit\.burst: .*Unrecognized key/);
    expect(err).toMatch(/CONFIG_FILE workers\.concurrency\.triage: .*>0/);
    expect(err).toMatch(/CONFIG_FILE routes: .*Unrecognized key/);
  });

  it('unparseable YAML and a missing file are named with their location', async () => {
    const file = path.join(dir, 'broken.yaml');
    writeFileSync(file, 'intake:\n  rateLimit: [1, 2\n');
    const broken = spawnCli(['migrate'], { CONFIG_FILE: file, DATA_DIR: dir });
    expect((await broken.exited).code).toBe(2);
    expect(broken.stderr()).toMatch(/CONFIG_FILE .*broken\.yaml:\d+:\d+: not valid YAML/);

    const missing = spawnCli(['doctor'], { CONFIG_FILE: path.join(dir, 'nope.yaml') });
    expect((await missing.exited).code).toBe(2);
    expect(missing.stderr()).toMatch(/CONFIG_FILE: cannot read .*nope\.yaml \(ENOENT\)/);
  });

  it('production without trackers, keys or mail is a configuration error, not a silent sandbox', async () => {
    const proc = spawnCli(['start'], { NODE_ENV: 'production', DATA_DIR: dir });
    expect((await proc.exited).code).toBe(2);
    const err = proc.stderr();
    for (const name of ['JIRA_HOST/LINEAR_API_KEY', 'API_KEYS', 'ADMIN_TOKEN', 'PUBLIC_URL', 'SMTP_URL']) {
      expect(err).toContain(`  ${name}: `);
    }
  });

  it('import of a file that is not there says so and fails without touching the database', async () => {
    const proc = spawnCli(['import', 'no-such-requests.csv'], { DATA_DIR: dir });
    expect((await proc.exited).code).toBe(66);
    expect(proc.stderr()).toMatch(/import: cannot read no-such-requests\.csv \(ENOENT\)/);
  });
});
