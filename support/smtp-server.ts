import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** One message the server accepted: the SMTP envelope, the raw RFC 5322 text and mailparser's reading of it. */
export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: string;
  parsed: ParsedMail;
  /** The Message-ID header as sent (with angle brackets), '' when absent. */
  messageId: string;
}

/** A scripted SMTP reply: answer `code` (e.g. 451, 550) `times` times (default: always), optionally only for some recipients. */
interface SmtpFault {
  code: number;
  message?: string;
  times?: number;
  /** RCPT faults only: the recipient it applies to (exact, case-insensitive) or a pattern. */
  address?: string | RegExp;
}

export interface SmtpTestServer {
  port: number;
  /** `smtp://127.0.0.1:<port>` (with `user:pass@` when started with auth). */
  url: string;
  /** Accepted messages, in the order DATA completed. */
  messages: ReceivedMail[];
  /** Every RCPT TO the server saw, accepted or not (lowercased). */
  rcptAttempts: string[];
  /** Reject RCPT TO with this reply. */
  failRcpt(fault: SmtpFault): void;
  /** Reject the message at the end of DATA with this reply (after the client sent it all). */
  failData(fault: SmtpFault): void;
  /** Drop every scripted fault. */
  clearFaults(): void;
  /**
   * Holds the reply to the next message's DATA (to `address`, if given) until `release()`: a send in flight. The
   * message is accepted (250, in `messages`) once released; `reached` resolves when the client has sent it all.
   */
  holdData(address?: string): SmtpHold;
  /** Resolves once at least `count` messages arrived (default deadline 20 s), with all of them. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Messages addressed to this recipient (envelope). */
  to(address: string): ReceivedMail[];
  close(): Promise<void>;
}

interface SmtpHold {
  reached: Promise<void>;
  release(): void;
}

interface ActiveHold {
  address: string | undefined;
  taken: boolean;
  reach: () => void;
  released: Promise<void>;
  release: () => void;
}

interface ActiveFault extends SmtpFault {
  left: number;
}

function smtpError(fault: SmtpFault): Error {
  const err = new Error(fault.message ?? `scripted ${fault.code} reply`) as Error & { responseCode: number };
  err.responseCode = fault.code;
  return err;
}

function matches(fault: ActiveFault, address: string): boolean {
  if (fault.address === undefined) return true;
  if (typeof fault.address === 'string') return fault.address.toLowerCase() === address;
  return fault.address.test(address);
}

/** Takes the first fault that applies and uses up one of its turns. */
function take(faults: ActiveFault[], address: string): ActiveFault | undefined {
  const fault = faults.find((f) => f.left > 0 && matches(f, address));
  if (fault) fault.left -= 1;
  return fault;
}

/**
 * A real SMTP server on loopback (plain, no STARTTLS) for tests: collects and parses what it accepts, and answers
 * RCPT/DATA with scripted failures on request. `auth` makes it require AUTH PLAIN/LOGIN with those credentials.
 */
export async function startSmtpServer(
  options: { auth?: { user: string; pass: string } } = {},
): Promise<SmtpTestServer> {
  const messages: ReceivedMail[] = [];
  const rcptAttempts: string[] = [];
  let rcptFaults: ActiveFault[] = [];
  let dataFaults: ActiveFault[] = [];
  const waiters = new Set<() => void>();
  const holds: ActiveHold[] = [];
  const auth = options.auth;

  const server = new SMTPServer({
    secure: false,
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(credentials, _session, callback) {
      if (auth && credentials.username === auth.user && credentials.password === auth.pass) {
        callback(null, { user: credentials.username });
      } else {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      }
    },
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      rcptAttempts.push(to);
      const fault = take(rcptFaults, to);
      callback(fault ? smtpError(fault) : null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const hold = holds.find((h) => !h.taken && (h.address === undefined || h.address === to[0]));
        if (hold) {
          hold.taken = true;
          hold.reach();
          await hold.released;
        }
        const fault = take(dataFaults, to[0] ?? '');
        if (fault) {
          callback(smtpError(fault));
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        simpleParser(raw).then(
          (parsed) => {
            messages.push({ envelope: { from, to }, raw, parsed, messageId: parsed.messageId ?? '' });
            for (const wake of waiters) wake();
            callback(null);
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';

  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    messages,
    rcptAttempts,
    failRcpt: (fault) => rcptFaults.push({ ...fault, left: fault.times ?? Number.POSITIVE_INFINITY }),
    failData: (fault) => dataFaults.push({ ...fault, left: fault.times ?? Number.POSITIVE_INFINITY }),
    clearFaults: () => {
      rcptFaults = [];
      dataFaults = [];
    },
    holdData(address) {
      let reach = () => {};
      let release = () => {};
      const reached = new Promise<void>((resolve) => {
        reach = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      holds.push({ address: address?.toLowerCase(), taken: false, reach, released, release });
      return { reached, release };
    },
    to: (address) => messages.filter((m) => m.envelope.to.includes(address.toLowerCase())),
    waitFor(count, timeoutMs = 20_000) {
      if (messages.length >= count) return Promise.resolve([...messages]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`expected ${count} messages, got ${messages.length} within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve([...messages]);
        };
        waiters.add(wake);
      });
    },
    close: () => {
      for (const hold of holds) hold.release();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
