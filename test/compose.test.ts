import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { type Emulators, startEmulators } from '@suggested-sync/emulators';
import { afterEach, describe, expect, it } from 'vitest';
import { fileSchema } from '../src/config/file.schema.ts';
import {
  activeServices,
  parseDotenv,
  readCompose,
  readImage,
  readStages,
  type Vars,
} from './helpers/compose.ts';
import { type ComposeProject, composeProject, type RunningService } from './helpers/compose-run.ts';
import { testDatabaseKind } from './helpers/database.ts';
import { waitReady } from './helpers/process.ts';
import { validRequest, waitFor } from './helpers/service.ts';
import { type SmtpTestServer, startSmtpServer } from './helpers/smtp.ts';

/**
 * docker-compose.yml as a newcomer uses it, run without Docker: each service's environment and command line are
 * read from the compose file and the Dockerfile and run as processes here (test/helpers/compose-run.ts says
 * what stands in for what Docker provides).
 */

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const COMPOSE = read('docker-compose.yml');
const DOCKERFILE = read('Dockerfile');
/** `.env.example` as shipped, i.e. a newcomer's `cp .env.example .env` before filling anything in. */
const example = parseDotenv(read('.env.example'));

describe('docker-compose.yml: what `docker compose up` selects', () => {
  it('with no .env at all the file still interpolates, and no profile starts only Postgres and Redis', () => {
    // Compose interpolates every service before applying profiles: one ${VAR:?} anywhere stops the sandbox too.
    const services = readCompose(COMPOSE, {});
    expect(activeServices(services, []).sort()).toEqual(['postgres', 'redis']);
    expect(activeServices(services, ['sandbox'])).toContain('sandbox');
    expect(activeServices(services, ['sandbox'])).not.toContain('api');
  });

  it('the sandbox is published on loopback only, and listens inside its container on every interface', () => {
    const sandbox = readCompose(COMPOSE, {})['sandbox'];
    // Its dev outbox has no login and its emulators register webhooks to any URL: not for the network.
    expect(sandbox?.ports.map((p) => p.ip)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    // Docker's published port reaches the container on its own non-loopback interface, not on its loopback.
    expect({ ...readImage(DOCKERFILE, sandbox?.build?.target).env, ...sandbox?.environment }['HOST']).toBe(
      '0.0.0.0',
    );
  });

  it('the production services run the default image, without the emulators; only the sandbox is built with them', () => {
    const services = readCompose(COMPOSE, example);
    const stages = readStages(DOCKERFILE);
    // `docker build .` builds the last stage: the production image is the default.
    const last = stages.at(-1)?.name;
    for (const name of ['migrate', 'api', 'worker'])
      expect(services[name]?.build?.target ?? last, `services.${name}.build.target`).toBe(last);
    const sandbox = services['sandbox']?.build?.target;
    expect(sandbox).not.toBe(last);
    const copies = (target: string | undefined) =>
      stages
        .filter((st) => st.name === target)
        .flatMap((st) => st.instructions.filter((l) => /^COPY\s/.test(l)));
    expect(copies(sandbox).some((l) => /\spackages\/emulators\s/.test(l))).toBe(true);
    expect(copies(last).filter((l) => l.includes('packages/'))).toEqual([]);
    // The sandbox image starts in development mode (where the emulators stand in), the production one never does.
    expect(readImage(DOCKERFILE, sandbox).env['NODE_ENV']).toBe('development');
    expect(readImage(DOCKERFILE).env['NODE_ENV']).toBe('production');
  });

  it(".env.example's COMPOSE_PROFILES makes plain `docker compose up` the production stack", () => {
    const services = readCompose(COMPOSE, example);
    const active = activeServices(services, (example['COMPOSE_PROFILES'] ?? '').split(','));
    expect(active).toEqual(expect.arrayContaining(['migrate', 'api', 'worker']));
    expect(active).not.toContain('sandbox');
  });
});

const json = async (res: Response) => ({
  status: res.status,
  body: (await res.json()) as Record<string, unknown>,
});

/** The address another machine reaches this one by, as Docker's published ports reach a container. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

// Compose runs Postgres, so the services run on the local Postgres whichever database the suite is on; skipped
// on PGlite runs (`npm test`), which need only Redis: TEST_DATABASE=postgres runs it.
describe.skipIf(testDatabaseKind !== 'postgres')(
  'docker-compose.yml services run as compose runs them',
  () => {
    let project: ComposeProject | undefined;
    let emulators: Emulators | undefined;
    let smtp: SmtpTestServer | undefined;
    afterEach(async () => {
      await project?.down();
      await emulators?.close();
      await smtp?.close();
      project = emulators = smtp = undefined;
    });

    it('production profile: migrate exits 0, then api and worker answer /readyz ok and work one request', async () => {
      emulators = await startEmulators({
        jiraPort: 0,
        linearPort: 0,
        credentials: fileSchema.parse({}).sandbox,
      });
      smtp = await startSmtpServer();
      const apiKey = 'compose-test-api-key-0123456789';
      // What a newcomer fills in .env.example; the tracker is the Linear emulator standing in for linear.app.
      const filled: Vars = {
        API_KEYS: apiKey,
        ADMIN_TOKEN: 'compose-test-admin-token-0123456789',
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Suggested <updates@example.com>',
        LINEAR_API_KEY: emulators.credentials.linear.apiKey,
      };
      for (const name of Object.keys(filled))
        expect(example, `.env.example lists ${name}`).toHaveProperty(name);
      const dotenv = { ...example, ...filled, LINEAR_API_URL: emulators.linear.apiUrl };
      const services = readCompose(COMPOSE, dotenv);
      project = composeProject({ services, dockerfile: DOCKERFILE, dotenv });

      expect(services['api']?.dependsOn['migrate']).toBe('service_completed_successfully');
      const migrate = await project.run('migrate');
      const migrated = await migrate.exited;
      expect(migrated.code, migrate.stderr()).toBe(0);
      expect(migrate.stdout()).toMatch(/migrations: \d+ applied, database up to date \(postgres\)/);

      const api = await project.run('api');
      const worker = await project.run('worker');
      for (const proc of [api, worker]) await waitReady(proc, Number(proc.env['PORT']));
      // Ready (200) comes first; "ok" rather than "degraded" once the tracker took our key and, whichever process
      // started first, the workers' schedules exist.
      for (const proc of [api, worker]) {
        let last = '';
        await waitFor(
          `port ${proc.env['PORT']}'s /readyz to say ok`,
          async () => {
            const ready = await json(await fetch(`http://127.0.0.1:${proc.env['PORT']}/readyz`));
            last = JSON.stringify(ready.body);
            return ready.status === 200 && ready.body['status'] === 'ok' ? true : undefined;
          },
          30_000,
        ).catch((err: Error) => {
          throw new Error(`${err.message}; last answer ${last}`);
        });
      }
      // api and worker share the database and the queues: a request taken by one is triaged by the other.
      const apiUrl = `http://127.0.0.1:${published(api, 3000)}`;
      const auth = { authorization: `Bearer ${apiKey}` };
      const posted = await fetch(`${apiUrl}/v1/requests`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(validRequest()),
      });
      expect(posted.status).toBe(202);
      const { id } = (await posted.json()) as { id: string };
      await waitFor('the worker to triage the request', async () => {
        const view = (await (await fetch(`${apiUrl}/v1/requests/${id}`, { headers: auth })).json()) as {
          feature: { id: string } | null;
        };
        return view.feature?.id;
      }).catch((err: Error) => {
        throw new Error(`${err.message}\nworker:\n${worker.stderr()}${worker.stdout().slice(-4000)}`);
      });
    }, 180_000);

    it('sandbox profile, no .env: start runs the emulators and the dev outbox, and accepts a request', async () => {
      const services = readCompose(COMPOSE, {});
      project = composeProject({ services, dockerfile: DOCKERFILE, dotenv: {} });
      const sandbox = await project.run('sandbox');
      await waitReady(sandbox, Number(sandbox.env['PORT']));
      // The key a newcomer reads off the start banner (`docker compose logs sandbox`).
      const apiKey = /API key:\s+(\S+)/.exec(sandbox.stderr())?.[1];
      expect(apiKey, sandbox.stderr()).toBeDefined();
      const base = `http://127.0.0.1:${published(sandbox, 3000)}`;
      const posted = await fetch(`${base}/v1/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(validRequest()),
      });
      expect(posted.status).toBe(202);
      expect((await fetch(`${base}/dev/mail`)).status).toBe(200);
      const jira = await fetch(`http://127.0.0.1:${published(sandbox, 4010)}/rest/api/3/myself`, {
        headers: { authorization: `Basic ${Buffer.from('sandbox@example.com:sandbox').toString('base64')}` },
      });
      expect(jira.status).toBe(200);
      const linear = await fetch(`http://127.0.0.1:${published(sandbox, 4020)}/graphql`, {
        method: 'POST',
        headers: { authorization: 'lin_api_sandbox', 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
      expect(linear.status).toBe(200);
    }, 120_000);

    it.skipIf(!outsideAddress)(
      "sandbox profile: every published port answers on a non-loopback address, as Docker's publishing reaches the container",
      async () => {
        const services = readCompose(COMPOSE, {});
        project = composeProject({ services, dockerfile: DOCKERFILE, dotenv: {} });
        const sandbox = await project.run('sandbox');
        await waitReady(sandbox, Number(sandbox.env['PORT']));
        for (const { container } of services['sandbox']?.ports ?? []) {
          const url = `http://${outsideAddress}:${published(sandbox, container)}/`;
          const status = await fetch(url).then(
            (r) => r.status,
            (err: Error) => `${err.message} (${(err.cause as Error | undefined)?.message})`,
          );
          expect(typeof status, `${url} (container port ${container}): ${status}`).toBe('number');
        }
      },
      120_000,
    );
  },
);

/** The port on this machine standing in for a container port the compose file publishes. */
function published(proc: RunningService, container: number): number {
  const port = proc.ports[container];
  if (port === undefined) throw new Error(`container port ${container} is not one the service listens on`);
  return port;
}
