import { parse as parseYaml } from 'yaml';

/**
 * Reads docker-compose.yml, .env files and the Dockerfile the way Docker does, for tests that run a compose
 * service's exact environment and command line as a plain process, with no Docker daemon. Only the parts of the Compose and Dockerfile formats the project uses are understood; anything
 * else throws rather than being silently misread.
 */

export type Vars = Record<string, string>;

export interface ComposeService {
  name: string;
  /** Empty: always started (compose profiles). */
  profiles: string[];
  command: string[];
  environment: Vars;
  /** `env_file:` entries (paths relative to the compose file). */
  envFiles: Array<{ path: string; required: boolean }>;
  /** `[ip:]host:container`; `ip` is where on the host it is published (Compose's default: every interface). */
  ports: Array<{ ip: string; host: number; container: number }>;
  /** Bind mounts only (`./dir:/target[:ro]`); named volumes and tmpfs hold only the container's own data. */
  binds: Array<{ source: string; target: string }>;
  dependsOn: Record<string, string>;
  /** `build:` — the Dockerfile stage the service's image is built from (undefined: its last stage). */
  build: { context: string; target: string | undefined } | undefined;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** The index of the `}` closing a `${` whose body starts at `from` (bodies may nest: `${A:-${B}}`). */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return i;
  }
  throw new Error(`unclosed \${ in ${JSON.stringify(text)}`);
}

function expand(body: string, vars: Vars, where: string): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
  if (!m?.[1]) throw new Error(`${where}: invalid interpolation format \${${body}}`);
  const [, name, op, arg = ''] = m;
  const value = vars[name];
  // With a colon, an empty value counts as unset (Compose's `${VAR:-x}` vs `${VAR-x}`).
  const present = op?.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
  switch (op?.at(-1)) {
    case undefined:
      return value ?? '';
    case '-':
      return present ? (value ?? '') : interpolate(arg, vars, where);
    case '+':
      return present ? interpolate(arg, vars, where) : '';
    default:
      if (present) return value ?? '';
      throw new Error(
        `error while interpolating ${where}: required variable ${name} is missing a value: ${interpolate(arg, vars, where)}`,
      );
  }
}

/** Compose's interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `:?`/`?`, `:+`/`+`, `$$`. */
export function interpolate(text: string, vars: Vars, where = 'value'): string {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const next = text[i + 1];
    if (text[i] !== '$' || next === undefined) {
      out += text[i++];
    } else if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = closingBrace(text, i + 2);
      out += expand(text.slice(i + 2, end), vars, where);
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(i + 1))?.[0];
      out += name ? (vars[name] ?? '') : '$';
      i += 1 + (name?.length ?? 0);
    }
  }
  return out;
}

/** A `.env` file as Compose reads it: KEY=VALUE lines, `#` comments, quotes, `${...}` in unquoted and "double". */
export function parseDotenv(text: string): Vars {
  const vars: Vars = {};
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) throw new Error(`.env line ${n + 1}: expected KEY=VALUE, got ${raw}`);
    const [, key, value] = m;
    const quote = value[0];
    if (quote === "'") vars[key] = value.slice(1, value.indexOf("'", 1));
    else if (quote === '"') vars[key] = interpolate(value.slice(1, value.indexOf('"', 1)), vars, key);
    else vars[key] = interpolate(value.replace(/\s+#.*$/, ''), vars, key);
  }
  return vars;
}

/** Interpolates every string value (never a key) of the parsed file, as Compose does, naming the path on failure. */
function interpolateTree(node: unknown, vars: Vars, where: string): unknown {
  if (typeof node === 'string') return interpolate(node, vars, where);
  if (Array.isArray(node)) return node.map((v, i) => interpolateTree(v, vars, `${where}[${i}]`));
  if (node && typeof node === 'object')
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, interpolateTree(v, vars, where ? `${where}.${k}` : k)]),
    );
  return node;
}

const strings = (value: unknown, where: string): string[] => {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new Error(`${where}: expected a list of strings (the exec form)`);
};

function environmentOf(value: unknown, where: string): Vars {
  if (value === undefined) return {};
  const entries = Array.isArray(value)
    ? value.map((e: string) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])
    : Object.entries(value as Record<string, unknown>);
  return Object.fromEntries(
    entries.map(([k, v]) => {
      // A bare `KEY:` passes the variable through from the shell running compose: not modelled here.
      if (v === null || v === undefined) throw new Error(`${where}.${k}: no value (shell pass-through)`);
      return [k, String(v)];
    }),
  );
}

function buildOf(value: unknown, where: string): ComposeService['build'] {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { context: value, target: undefined };
  const { context, target, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new Error(`${where}: only context and target are modelled`);
  if (typeof context !== 'string') throw new Error(`${where}.context: expected a path`);
  if (target !== undefined && typeof target !== 'string')
    throw new Error(`${where}.target: expected a stage name`);
  return { context, target };
}

function serviceOf(name: string, raw: Record<string, unknown>): ComposeService {
  const where = `services.${name}`;
  const envFiles = (raw['env_file'] === undefined ? [] : ([] as unknown[]).concat(raw['env_file'])).map(
    (e) =>
      typeof e === 'string'
        ? { path: e, required: true }
        : {
            path: String((e as { path: string }).path),
            required: (e as { required?: boolean }).required ?? true,
          },
  );
  const ports = strings(raw['ports'], `${where}.ports`).map((p) => {
    const parts = p.split(':');
    if (parts.length < 2) throw new Error(`${where}.ports: ${p} publishes no fixed host port`);
    if (parts.length > 3) throw new Error(`${where}.ports: ${p}: only [IPv4:]host:container is modelled`);
    const ip = parts.length === 3 ? (parts[0] ?? '') : '0.0.0.0';
    return { ip, host: Number(parts.at(-2)), container: Number(parts.at(-1)) };
  });
  const binds = strings(raw['volumes'], `${where}.volumes`)
    .map((v) => v.split(':'))
    .filter(([source]) => source?.startsWith('.') || source?.startsWith('/'))
    .map(([source = '', target = '']) => ({ source, target }));
  const dependsOn = Object.fromEntries(
    Object.entries((raw['depends_on'] ?? {}) as Record<string, { condition?: string }>).map(([s, d]) => [
      s,
      d.condition ?? 'service_started',
    ]),
  );
  return {
    name,
    build: buildOf(raw['build'], `${where}.build`),
    profiles: strings(raw['profiles'], `${where}.profiles`),
    command: strings(raw['command'], `${where}.command`),
    environment: environmentOf(raw['environment'], `${where}.environment`),
    envFiles,
    ports,
    binds,
    dependsOn,
  };
}

/**
 * The services of a compose file, interpolated with `vars` (what `.env` and the shell give compose). Like Compose,
 * the whole file is interpolated before profiles are applied, so a `${VAR:?}` in any service fails every run.
 */
export function readCompose(text: string, vars: Vars): Record<string, ComposeService> {
  const doc = interpolateTree(parseYaml(text, { merge: true }), vars, '') as {
    services: Record<string, Record<string, unknown>>;
  };
  return Object.fromEntries(Object.entries(doc.services).map(([n, raw]) => [n, serviceOf(n, raw)]));
}

/** The services `docker compose up` starts with these profiles active (those without a profile always). */
export function activeServices(services: Record<string, ComposeService>, profiles: string[]): string[] {
  return Object.values(services)
    .filter((s) => s.profiles.length === 0 || s.profiles.some((p) => profiles.includes(p)))
    .map((s) => s.name);
}

export interface Image {
  env: Vars;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
}

export interface DockerStage {
  name: string | undefined;
  /** The image or the earlier stage it starts from. */
  from: string;
  /** Its instructions after FROM, continuation lines joined and comments dropped. */
  instructions: string[];
}

/** The stages of a Dockerfile, in order. */
export function readStages(dockerfile: string): DockerStage[] {
  // Comment lines inside a continued instruction are dropped by Docker too.
  const lines = dockerfile
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const stages: DockerStage[] = [];
  for (const line of lines) {
    if (!/^FROM\s/i.test(line)) {
      stages.at(-1)?.instructions.push(line);
      continue;
    }
    const from = /^FROM\s+([^-\s]\S*)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (!from?.[1]) throw new Error(`${line}: only FROM <image> [AS <name>] is modelled`);
    stages.push({ from: from[1], name: from[2], instructions: [] });
  }
  return stages;
}

/**
 * What a container of the image built from `target` (default the last stage, as `docker build` does) starts
 * with: its ENV, WORKDIR, ENTRYPOINT and CMD, inherited from the stage it starts FROM when that is an earlier one.
 */
export function readImage(dockerfile: string, target?: string): Image {
  const stages = readStages(dockerfile);
  const stageNamed = (name: string | undefined) => {
    const stage = name === undefined ? stages.at(-1) : stages.find((s) => s.name === name);
    if (!stage) throw new Error(`the Dockerfile has no stage ${name ?? '(none at all)'}`);
    return stage;
  };
  const chain: DockerStage[] = [];
  for (let stage: DockerStage | undefined = stageNamed(target); stage; ) {
    chain.unshift(stage);
    const from: string = stage.from;
    stage = stages.slice(0, stages.indexOf(stage)).find((s) => s.name === from);
  }
  const image: Image = { env: {}, workdir: '/', entrypoint: [], cmd: [] };
  for (const line of chain.flatMap((s) => s.instructions)) {
    const [, keyword = '', rest = ''] = /^(\S+)\s+([\s\S]*)$/.exec(line) ?? [];
    switch (keyword.toUpperCase()) {
      case 'ENV':
        for (const m of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
          const value = m[2] ?? '';
          image.env[m[1] ?? ''] = interpolate(
            value.startsWith('"') ? value.slice(1, -1) : value,
            image.env,
            `ENV ${m[1]}`,
          );
        }
        break;
      case 'WORKDIR':
        image.workdir = rest;
        break;
      case 'ENTRYPOINT':
        image.entrypoint = JSON.parse(rest) as string[];
        break;
      case 'CMD':
        image.cmd = JSON.parse(rest) as string[];
        break;
    }
  }
  return image;
}

/** An entry of package-lock.json's `packages` (lockfileVersion 3): npm's flags say why it is installed. */
export interface LockEntry {
  version?: string;
  link?: boolean;
  resolved?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The arguments of a stage's `RUN npm ci …` (the command up to `&&`). */
export function npmCiArgs(stage: DockerStage): string[] {
  const run = stage.instructions.find((l) => /^RUN\s+npm\s+ci\b/.test(l));
  if (!run) throw new Error(`stage ${stage.name ?? stage.from} runs no npm ci`);
  return (run.replace(/^RUN\s+npm\s+ci\b/, '').split('&&')[0] ?? '').trim().split(/\s+/).filter(Boolean);
}

/**
 * The lockfile entries `npm ci <args>` puts on disk, keyed by their path (`node_modules/a`,
 * `node_modules/a/node_modules/b`). npm ci installs the lockfile's tree as it is and leaves out what its flags
 * omit: `--omit=dev|optional|peer` by the entry's flags (devOptional only when both dev and optional are
 * omitted), `--workspaces=false` the workspaces' links and folders. npm also leaves out what only a workspace
 * needs; this keeps it, so what this leaves out npm certainly does.
 */
export function npmCiInstalls(
  packages: Record<string, LockEntry>,
  args: readonly string[],
): Record<string, LockEntry> {
  const omit = new Set<string>();
  let workspaces = true;
  for (const arg of args) {
    const omitted = /^--omit=(dev|optional|peer)$/.exec(arg)?.[1];
    if (omitted) omit.add(omitted);
    else if (arg === '--workspaces=false' || arg === '--no-workspaces') workspaces = false;
    else if (arg !== '--ignore-scripts') throw new Error(`npm ci ${arg}: not modelled`);
  }
  return Object.fromEntries(
    Object.entries(packages).filter(([where, e]) => {
      if (where === '') return false;
      if ((omit.has('dev') && e.dev) || (omit.has('optional') && e.optional) || (omit.has('peer') && e.peer))
        return false;
      if (omit.has('dev') && omit.has('optional') && e.devOptional) return false;
      // A workspace: its link in node_modules and its folder (and whatever is nested in it).
      return workspaces || !(e.link || !where.startsWith('node_modules/'));
    }),
  );
}

/** The package name an entry's path installs (`node_modules/@a/b/node_modules/c` is `c`). */
export const lockedName = (where: string) => where.slice(where.lastIndexOf('node_modules/') + 13);
