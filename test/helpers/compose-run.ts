import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ComposeService, readImage, type Vars } from './compose.ts';
import { createPostgresDatabase } from './database.ts';
import { type ServiceProcess, spawnNode } from './process.ts';
import { deleteKeys, freePort, freshPrefix, sharedRedisUrl } from './redis.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningService extends ServiceProcess {
  env: Vars;
  /** Container port → the port on this machine standing in for it (every `PORT` / `*_PORT` variable gets one). */
  ports: Record<number, number>;
}

export interface ComposeProject {
  /** `docker compose up <name>` for one service, as a process of this machine. */
  run(name: string): Promise<RunningService>;
  /** `docker compose down`: SIGTERM to every process still running, then their databases, keys and files go. */
  down(): Promise<void>;
}

/**
 * Runs compose services as plain processes with the exact environment a container of the service's image would
 * get (the image built from `dockerfile` at the stage its `build.target` names: that image's ENV, then the
 * service's `env_file:` entries read from `dotenv`, then its `environment:`) and the exact command line (the
 * image's ENTRYPOINT + `command:`). Only what Docker itself provides is replaced: a compose service's
 * hostname in DATABASE_URL becomes a fresh database on the local Postgres (after checking the URL's user,
 * password and database are those that service creates) and in REDIS_URL the local Redis, with QUEUE_PREFIX made
 * this project's own; each `PORT`-like variable a free port (a container has its own); a bind mount's target
 * its source in the repository; DATA_DIR (the container's own writable directory) a fresh temporary one.
 */
export function composeProject({
  services,
  dockerfile,
  dotenv,
}: {
  services: Record<string, ComposeService>;
  /** The Dockerfile's text. */
  dockerfile: string;
  dotenv: Vars;
}): ComposeProject {
  const prefix = freshPrefix('compose');
  const databases = new Map<string, Promise<{ url: string; drop: () => Promise<void> }>>();
  const dirs: string[] = [];
  const prefixes = new Set<string>();
  const running: ServiceProcess[] = [];

  const service = (name: string) => {
    const s = services[name];
    if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
    return s;
  };

  async function databaseFor(url: string, where: string): Promise<string> {
    const u = new URL(url);
    const server = service(u.hostname);
    const created = server.environment;
    const expected = `${created['POSTGRES_USER']}:${created['POSTGRES_PASSWORD']}@…/${created['POSTGRES_DB']}`;
    const got = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}@…${u.pathname}`;
    if (got !== expected || u.port !== '5432')
      throw new Error(
        `${where}: ${got} on port ${u.port} is not what service ${u.hostname} creates (${expected})`,
      );
    const key = `${u.hostname}${u.pathname}`;
    if (!databases.has(key)) databases.set(key, createPostgresDatabase());
    return (await databases.get(key))?.url ?? '';
  }

  async function environment(s: ComposeService): Promise<{ env: Vars; ports: Record<number, number> }> {
    const fromFiles: Vars = {};
    for (const file of s.envFiles) {
      if (file.path !== '.env') throw new Error(`services.${s.name}.env_file: only .env is modelled`);
      Object.assign(fromFiles, dotenv);
    }
    const env: Vars = { ...readImage(dockerfile, s.build?.target).env, ...fromFiles, ...s.environment };
    const where = `services.${s.name}.environment`;
    if (env['DATABASE_URL']) env['DATABASE_URL'] = await databaseFor(env['DATABASE_URL'], where);
    if (env['REDIS_URL']) {
      service(new URL(env['REDIS_URL']).hostname);
      env['REDIS_URL'] = sharedRedisUrl;
      env['QUEUE_PREFIX'] = env['QUEUE_PREFIX'] ? `${prefix}-${env['QUEUE_PREFIX']}` : prefix;
      prefixes.add(env['QUEUE_PREFIX']);
    }
    const ports: Record<number, number> = {};
    for (const key of Object.keys(env).filter((k) => k === 'PORT' || k.endsWith('_PORT'))) {
      const port = await freePort();
      ports[Number(env[key])] = port;
      env[key] = String(port);
    }
    for (const { container } of s.ports) {
      if (!(container in ports))
        throw new Error(`services.${s.name}.ports: publishes ${container}, where no PORT variable listens`);
    }
    for (const [key, value] of Object.entries(env)) {
      const bind = s.binds.find((b) => value === b.target || value.startsWith(`${b.target}/`));
      if (bind) env[key] = path.join(ROOT, bind.source, value.slice(bind.target.length));
    }
    if (env['DATA_DIR']) {
      env['DATA_DIR'] = mkdtempSync(path.join(tmpdir(), `ss-compose-${s.name}-`));
      dirs.push(env['DATA_DIR']);
    }
    return { env, ports };
  }

  return {
    async run(name) {
      const s = service(name);
      const image = readImage(dockerfile, s.build?.target);
      const [node, ...entry] = image.entrypoint;
      if (node !== 'node') throw new Error(`ENTRYPOINT starts with ${node}, not node`);
      const { env, ports } = await environment(s);
      const proc = spawnNode([...entry, ...(s.command.length ? s.command : image.cmd)], env);
      running.push(proc);
      return { ...proc, env, ports };
    },
    async down() {
      await Promise.all(
        running.map(async (proc) => {
          if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
          await proc.exited;
        }),
      );
      for (const db of databases.values()) await (await db).drop();
      for (const p of prefixes) await deleteKeys(sharedRedisUrl, p);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
