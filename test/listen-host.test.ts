import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { startService } from './helpers/service.ts';

/**
 * Where HTTP listens. Outside production the service shows the dev outbox (/dev/mail) to whoever reaches the port,
 * so it listens on loopback unless HOST says otherwise. Told apart with two loopback addresses: a server on
 * 127.0.0.1 refuses 127.0.0.2, one on every interface answers both.
 */

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function answers(host: string, port: number): Promise<boolean> {
  return fetch(`http://${host}:${port}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
}

async function reachableOn(env: Record<string, string>): Promise<Record<string, boolean>> {
  // A tracker configured (never called here), so no sandbox: the emulators are not what this test is about.
  const tracker = { LINEAR_API_KEY: 'lin_api_listen_test', LINEAR_API_URL: 'http://127.0.0.1:9/graphql' };
  const svc = await startService({
    database,
    keepDatabase: true,
    env: { ...tracker, ...env },
    yaml: 'routing:\n  default: { linear: { team: ENG } }\n',
  });
  try {
    const port = svc.runtime.port;
    return { '127.0.0.1': await answers('127.0.0.1', port), '127.0.0.2': await answers('127.0.0.2', port) };
  } finally {
    await svc.stop();
  }
}

describe('HTTP listen address', () => {
  it('outside production: loopback only by default', async () => {
    expect(await reachableOn({})).toEqual({ '127.0.0.1': true, '127.0.0.2': false });
  }, 90_000);

  it('HOST is honoured: every interface, or one address', async () => {
    expect(await reachableOn({ HOST: '0.0.0.0' })).toEqual({ '127.0.0.1': true, '127.0.0.2': true });
    expect(await reachableOn({ HOST: '127.0.0.2' })).toEqual({ '127.0.0.1': false, '127.0.0.2': true });
  }, 90_000);

  it('defaults to every interface in production, to loopback in development; a bad HOST is named', () => {
    const production = {
      NODE_ENV: 'production',
      LINEAR_API_KEY: 'lin_api_x',
      API_KEYS: 'aaaaaaaaaaaaaaaa',
      ADMIN_TOKEN: 'cccccccccccccccc',
      PUBLIC_URL: 'https://feedback.acme.io',
      SMTP_URL: 'smtps://user:pass@mail.acme.io',
      MAIL_FROM: 'updates@acme.io',
      CONFIG_FILE: 'x.yaml',
    };
    const load = (env: Record<string, string>) =>
      loadConfig({ env, readFile: () => 'routing:\n  default: { linear: { team: ENG } }\n' });
    expect(load(production).host).toBe('0.0.0.0');
    expect(load({ ...production, HOST: '10.1.2.3' }).host).toBe('10.1.2.3');
    expect(load({}).host).toBe('127.0.0.1');
    expect(load({ NODE_ENV: 'test' }).host).toBe('127.0.0.1');
    expect(() => load({ HOST: 'not a host' })).toThrow(ConfigError);
    expect(() => load({ HOST: 'http://0.0.0.0' })).toThrow(
      /\n {2}HOST: expected an IP address or host name to listen on, e\.g\. 127\.0\.0\.1 or 0\.0\.0\.0$/,
    );
  });
});
