import type { ParsedMail } from 'mailparser';
import type { Db } from '../../store/db.ts';
import { createDevMailRepo } from '../../store/dev-mail.repo.ts';
import type { RouteHandlers } from '../route-table.ts';
import { sendCustomerPage, sendNotFound } from './customer-page.ts';

/** The message page's policy: the iframe's document inherits it, so it may show inline styles and data: images, and fetch nothing. */
const MESSAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The headers worth reading, decoded where mailparser decodes (encoded words, address lists), as sent otherwise. */
function shownHeaders(parsed: ParsedMail): Array<[string, string]> {
  const raw = (name: string) => {
    const line = parsed.headerLines.find((h) => h.key === name)?.line;
    return line?.slice(line.indexOf(':') + 1).trim();
  };
  const addresses = (a: typeof parsed.to) => (Array.isArray(a) ? a.map((x) => x.text).join(', ') : a?.text);
  const headers: Array<[string, string | undefined]> = [
    ['From', parsed.from?.text],
    ['To', addresses(parsed.to)],
    ['Reply-To', parsed.replyTo?.text],
    ['Subject', parsed.subject],
    ['Date', parsed.date?.toISOString()],
    ['Message-ID', parsed.messageId],
    ['List-Unsubscribe', raw('list-unsubscribe')],
    ['List-Unsubscribe-Post', raw('list-unsubscribe-post')],
  ];
  return headers.filter((h): h is [string, string] => Boolean(h[1]));
}

/**
 * `/dev/mail`: the development outbox (no SMTP_URL, not production), newest first, and one message with its headers,
 * its text part and its HTML part. The HTML is shown in a sandboxed iframe (no scripts, no same-origin) under a CSP
 * that loads nothing from the network, so a hostile message can neither run nor phone home.
 */
export function devMailHandlers({ db }: { db: Db }): Pick<RouteHandlers, 'devMailList' | 'devMailMessage'> {
  const mail = createDevMailRepo(db);
  return {
    devMailList: async (_input, _req, res) => {
      const rows = await mail.latest();
      const messages = rows.map((r) => ({
        id: r.id,
        datetime: r.createdAt.toISOString(),
        when: r.createdAt.toISOString().replace('T', ' ').slice(0, 19),
        to: r.to,
        subject: r.subject,
      }));
      sendCustomerPage(res, 'dev-mail-list', { messages });
    },

    devMailMessage: async ({ params: { id } }, _req, res) => {
      const row = await mail.get(id);
      if (!row) return sendNotFound(res);
      // Loaded on the first message shown: mailparser (and its HTML and charset tables) is some MB of memory that
      // a process whose dev outbox nobody opens should not hold.
      const { simpleParser } = await import('mailparser');
      const parsed = await simpleParser(row.raw);
      const data = {
        subject: row.subject,
        headers: shownHeaders(parsed),
        // The srcdoc attribute holds the HTML escaped once, which the browser decodes back into the document.
        html: typeof parsed.html === 'string' ? parsed.html : '',
        text: parsed.text ?? '',
      };
      sendCustomerPage(res, 'dev-mail-message', data, { csp: MESSAGE_CSP });
    },
  };
}
