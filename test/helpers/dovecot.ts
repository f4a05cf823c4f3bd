import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';

/**
 * A real IMAP server for tests: a private Dovecot (Debian `dovecot-imapd`) run as the test's own child process, with
 * a generated config in a temp dir (maildir, a passwd-file user, plain IMAP on 127.0.0.1:<free port>). The system
 * Dovecot service is never used. Tests skip with `dovecotMissing` as the reason when the binary is absent.
 */

const BINARY = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'].find((p) => existsSync(p));

/** Why the IMAP tests cannot run here, or undefined when they can. */
export const dovecotMissing: string | undefined = BINARY
  ? undefined
  : 'dovecot is not installed (apt-get install dovecot-imapd); the IMAP source tests need a real IMAP server';

export interface TestImapServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Appends a raw RFC 5322 message to a mailbox (INBOX by default) through IMAP APPEND. */
  deliver(raw: string, mailbox?: string): Promise<void>;
  /** Opens a logged-in imapflow client (closed by the caller). */
  client(): Promise<ImapFlow>;
  /** The server's log, for failure messages. */
  log(): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** uid and gid of a system user, from /etc/passwd. */
function systemIds(name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const parts = line?.split(':');
  return parts?.[2] && parts[3] ? { uid: Number(parts[2]), gid: Number(parts[3]) } : undefined;
}

function groupName(gid: number): string {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[2] === String(gid));
  return line?.split(':')[0] ?? String(gid);
}

export async function startDovecot(
  options: { user?: string; password?: string } = {},
): Promise<TestImapServer> {
  if (!BINARY) throw new Error(dovecotMissing);
  const user = options.user ?? 'requests';
  const password = options.password ?? 'imap-test-password';
  const dir = mkdtempSync(path.join(tmpdir(), 'ss-dovecot-'));
  // Dovecot's unprivileged processes read the passwd file and the home through this directory.
  chmodSync(dir, 0o755);
  const home = path.join(dir, 'home');
  mkdirSync(home);
  const root = process.getuid?.() === 0;
  // As root, Dovecot drops to its own users (the package creates them); otherwise everything runs as us.
  const me = userInfo();
  const mailIds = root ? (systemIds('dovecot') ?? { uid: 65534, gid: 65534 }) : { uid: me.uid, gid: me.gid };
  if (root) chownSync(home, mailIds.uid, mailIds.gid);
  const port = await freePort();
  writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}\n`, { mode: 0o644 });
  const config = [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    'protocols = imap',
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    // A refused login answers at once (the default waits 2 s to slow guessing).
    'auth_failure_delay = 0',
    `default_login_user = ${root ? 'dovenull' : me.username}`,
    `default_internal_user = ${root ? 'dovecot' : me.username}`,
    ...(root ? [] : [`default_internal_group = ${groupName(me.gid)}`]),
    `first_valid_uid = ${Math.min(mailIds.uid, 1)}`,
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${dir}/passwd`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${mailIds.uid} gid=${mailIds.gid} home=${home}/%u`,
    '}',
    'mail_location = maildir:~/Maildir',
    'service imap-login {',
    '  inet_listener imap {',
    '    address = 127.0.0.1',
    `    port = ${port}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    ...(root ? [] : ['  chroot =']),
    '}',
    ...(root ? [] : ['service anvil {', '  chroot =', '}']),
    '',
  ].join('\n');
  const configFile = path.join(dir, 'dovecot.conf');
  writeFileSync(configFile, config);
  const readLog = () => {
    try {
      return readFileSync(path.join(dir, 'dovecot.log'), 'utf8');
    } catch {
      return '';
    }
  };

  const child: ChildProcess = spawn(BINARY, ['-F', '-c', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`dovecot did not start on port ${port}:\n${stderr}\n${readLog()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const open = async () => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user, pass: password },
      logger: false,
      disableAutoIdle: true,
    });
    client.on('error', () => {});
    await client.connect();
    return client;
  };

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    async deliver(raw, mailbox = 'INBOX') {
      const client = await open();
      try {
        await client.append(mailbox, raw);
      } finally {
        await client.logout();
      }
    },
    client: open,
    log: readLog,
    async close() {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
