import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';

/**
 * The notify benchmark's mail server: a real SMTP server on loopback (plain, no STARTTLS, no AUTH) that accepts
 * everything and keeps only when each message was accepted and for whom. Nothing is parsed: the benchmark times
 * the service, not mailparser.
 */

interface AcceptedMail {
  /** performance.now() when the end of DATA was accepted. */
  at: number;
  to: string[];
}

export interface SmtpSink {
  url: string;
  accepted: AcceptedMail[];
  /** Accepted messages with a recipient ending in `@domain`. */
  countFor(domain: string): number;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const accepted: AcceptedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    // The service's pool keeps a few connections open; the default limit would not bind but is not the point.
    maxClients: 1_000,
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        accepted.push({
          at: performance.now(),
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
        });
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    countFor: (domain) => accepted.filter((m) => m.to.some((t) => t.endsWith(`@${domain}`))).length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
