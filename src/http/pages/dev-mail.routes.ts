import { simpleParser } from 'mailparser';
import type { Db } from '../../store/db.ts';
import { createDevMailRepo } from '../../store/dev-mail.repo.ts';
import type { RouteHandlers } from '../route-table.ts';
import { escapeHtml, sendNotFound, sendPage } from './layout.ts';

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
      const list = rows.length
        ? `<table><caption class="muted">Newest first (at most 200)</caption>
<thead><tr><th scope="col">When</th><th scope="col">To</th><th scope="col">Subject</th></tr></thead>
<tbody>
${rows
  .map(
    (r) =>
      `<tr><td><time datetime="${r.createdAt.toISOString()}">${escapeHtml(r.createdAt.toISOString().replace('T', ' ').slice(0, 19))}</time></td><td>${escapeHtml(r.to)}</td><td><a href="/dev/mail/${r.id}">${escapeHtml(r.subject)}</a></td></tr>`,
  )
  .join('\n')}
</tbody></table>`
        : '<p>No messages yet. Status emails appear here when SMTP_URL is not set.</p>';
      sendPage(res, {
        title: 'Dev outbox',
        body: `<div class="card"><h1>Dev outbox</h1><p class="muted">What would have been emailed (SMTP_URL is not set).</p>${list}</div>`,
      });
    },

    devMailMessage: async ({ params: { id } }, _req, res) => {
      const row = await mail.get(id);
      if (!row) return sendNotFound(res);
      const parsed = await simpleParser(row.raw);
      const raw = (name: string) => {
        const line = parsed.headerLines.find((h) => h.key === name)?.line;
        return line?.slice(line.indexOf(':') + 1).trim();
      };
      const addresses = (a: typeof parsed.to) =>
        Array.isArray(a) ? a.map((x) => x.text).join(', ') : a?.text;
      // Decoded where mailparser decodes (encoded words, address lists), as sent otherwise.
      const headers = (
        [
          ['From', parsed.from?.text],
          ['To', addresses(parsed.to)],
          ['Reply-To', parsed.replyTo?.text],
          ['Subject', parsed.subject],
          ['Date', parsed.date?.toISOString()],
          ['Message-ID', parsed.messageId],
          ['List-Unsubscribe', raw('list-unsubscribe')],
          ['List-Unsubscribe-Post', raw('list-unsubscribe-post')],
        ] as const
      )
        .filter(([, value]) => value)
        .map(([name, value]) => `<tr><th scope="row">${name}</th><td>${escapeHtml(value ?? '')}</td></tr>`)
        .join('');
      const html = typeof parsed.html === 'string' ? parsed.html : '';
      sendPage(res, {
        title: `${row.subject} · Dev outbox`,
        // The iframe's document inherits this CSP: it may show inline styles and data: images, and fetch nothing.
        csp: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
        body: `<p><a href="/dev/mail">← All messages</a></p>
<div class="card"><h1>${escapeHtml(row.subject)}</h1>
<table aria-label="Headers">${headers}</table></div>
${html ? `<section class="card" aria-labelledby="html-part"><h2 id="html-part">HTML part</h2><iframe title="HTML part of the message" sandbox srcdoc="${escapeHtml(html)}"></iframe></section>` : ''}
<section class="card" aria-labelledby="text-part"><h2 id="text-part">Text part</h2><pre>${escapeHtml(parsed.text ?? '')}</pre></section>`,
      });
    },
  };
}
