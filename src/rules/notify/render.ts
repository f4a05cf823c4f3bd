import type { MailTemplateOverride, MailTemplates } from '../../config/mail-templates.schema.ts';
import type { FeatureStatus } from '../../domain/status.ts';
import type { BackWording } from './back-news.ts';
import {
  DEFAULT_DIGEST_TEMPLATE,
  defaultBackTemplate,
  defaultStatusTemplate,
  type MessageTemplate,
} from './default-templates.ts';
import { backStatusWords, statusWords, whatHappensNext } from './status-words.ts';
import { cleanText, escapeHtml, fillTemplate, formatDay, headerSafe, truncate } from './template.ts';

/** What one status email says: who, which request, the new status, and where to look or stop. */
export interface StatusMessageInput {
  /** `notifications.productName`. */
  productName: string;
  requester: { name: string | null; email: string };
  feature: { title: string };
  /** The new status. */
  status: FeatureStatus;
  /** The surviving feature, when `status` is `merged`. */
  mergedInto?: { title: string } | undefined;
  /** A step back a person took (an issue reopened, an unmerge): said as such (rules/notify/back-news.ts). */
  back?: BackWording | undefined;
  /** The feature the request is no longer merged into, when `back` is `unmerged`. */
  unmergedFrom?: { title: string } | undefined;
  /** The requester's own words, quoted in the message. */
  request: { title: string; body: string; receivedAt: string };
  links: { statusPage: string; unsubscribe: string; oneClickUnsubscribe: string };
}

/** One daily message listing several changes. */
export interface DigestMessageInput {
  productName: string;
  requester: { name: string | null; email: string };
  items: Array<
    Pick<StatusMessageInput, 'feature' | 'status' | 'mergedInto' | 'back' | 'unmergedFrom' | 'request'> & {
      statusPage: string;
    }
  >;
  links: { unsubscribe: string; oneClickUnsubscribe: string };
}

/**
 * A message ready for nodemailer. `headers` carries `List-Unsubscribe` (the one-click URL) and
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058); the subject is a single safe line.
 */
interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** Longest quoted request body: a message is a notice, not an archive (the status page has it all). */
const QUOTE_MAX = 600;
const TITLE_MAX = 200;

export function renderStatusMessage(input: StatusMessageInput, templates?: MailTemplates): RenderedMessage {
  // A step back has its own words; the status's configured template would announce it as news.
  const template = input.back
    ? pick(defaultBackTemplate(input.back), undefined)
    : pick(defaultStatusTemplate(input.status), templates?.[input.status]);
  const mergedTitle = input.mergedInto ? headerSafe(input.mergedInto.title, TITLE_MAX) : undefined;
  const values: Record<string, string> = {
    ...commonValues(input),
    'feature.title': headerSafe(input.feature.title, TITLE_MAX),
    status: statusWords(input.status, mergedTitle),
    next: whatHappensNext(input.status, mergedTitle),
    'mergedInto.title': mergedTitle ?? '',
    'unmergedFrom.title': input.unmergedFrom ? headerSafe(input.unmergedFrom.title, TITLE_MAX) : '',
    'request.title': headerSafe(input.request.title, TITLE_MAX),
    'request.body': truncate(cleanText(input.request.body).trim(), QUOTE_MAX),
    'request.receivedAt': formatDate(input.request.receivedAt),
    'links.statusPage': input.links.statusPage,
    'links.unsubscribe': input.links.unsubscribe,
  };
  const quote = {
    text: quoteText(values['request.title'] ?? '', values['request.body'] ?? ''),
    html: quoteHtml(values['request.title'] ?? '', values['request.body'] ?? ''),
  };
  const footer = {
    text: `You get this email because you asked ${input.productName} for this. Stop emails about it: ${input.links.unsubscribe}`,
    html: `You get this email because you asked ${escapeHtml(input.productName)} for this. <a href="${escapeHtml(input.links.unsubscribe)}" style="color:#0b57d0;text-decoration:underline;">Stop emails about it</a>.`,
  };
  return finish(template, values, { 'request.quote': quote }, footer, input.links.oneClickUnsubscribe);
}

export function renderDigestMessage(input: DigestMessageInput, templates?: MailTemplates): RenderedMessage {
  const template = pick(DEFAULT_DIGEST_TEMPLATE, templates?.digest);
  const items = input.items.map((item) => {
    const merged = item.mergedInto ? headerSafe(item.mergedInto.title, TITLE_MAX) : undefined;
    const unmerged = item.unmergedFrom ? headerSafe(item.unmergedFrom.title, TITLE_MAX) : undefined;
    return {
      title: headerSafe(item.feature.title, TITLE_MAX),
      status: item.back
        ? backStatusWords(item.back, item.status, unmerged)
        : statusWords(item.status, merged),
      request: headerSafe(item.request.title, TITLE_MAX),
      link: item.statusPage,
    };
  });
  const values = {
    ...commonValues(input),
    count: String(items.length),
    'links.unsubscribe': input.links.unsubscribe,
  };
  const list = {
    text: items
      .map((i) => cleanText(`- “${i.title}”: ${i.status}\n  You asked: “${i.request}”\n  ${i.link}`))
      .join('\n\n'),
    html: `<ul style="margin:0 0 16px;padding-left:20px;">${items
      .map(
        (i) =>
          `<li style="margin:0 0 12px;"><a href="${escapeHtml(i.link)}" style="color:#0b57d0;text-decoration:underline;">${escapeHtml(cleanText(i.title))}</a>: <strong>${escapeHtml(cleanText(i.status))}</strong><br><span style="color:#444444;">You asked: “${escapeHtml(cleanText(i.request))}”</span></li>`,
      )
      .join('')}</ul>`,
  };
  const footer = {
    text: `You get this daily summary because you asked ${input.productName} for these. Stop or change these emails: ${input.links.unsubscribe}`,
    html: `You get this daily summary because you asked ${escapeHtml(input.productName)} for these. <a href="${escapeHtml(input.links.unsubscribe)}" style="color:#0b57d0;text-decoration:underline;">Stop or change these emails</a>.`,
  };
  return finish(template, values, { items: list }, footer, input.links.oneClickUnsubscribe);
}

function commonValues(input: { productName: string; requester: { name: string | null; email: string } }) {
  const name = input.requester.name?.trim() ? headerSafe(input.requester.name, 80) : '';
  return {
    productName: headerSafe(input.productName, 80),
    greeting: name ? `Hi ${name},` : 'Hello,',
    'requester.name': name,
    'requester.email': input.requester.email,
  };
}

/** The configured parts over the built-in ones; a text-only override makes the HTML from that text. */
function pick(
  builtIn: MessageTemplate,
  override: MailTemplateOverride | undefined,
): MessageTemplate & { htmlFromText: boolean } {
  const text = override?.text ?? builtIn.text;
  const html = override?.html ?? (override?.text !== undefined ? undefined : builtIn.html);
  return {
    subject: override?.subject ?? builtIn.subject,
    text,
    html: html ?? '',
    htmlFromText: html === undefined,
  };
}

function finish(
  template: MessageTemplate & { htmlFromText: boolean },
  values: Record<string, string>,
  blocks: Record<string, { text: string; html: string }>,
  footer: { text: string; html: string },
  oneClickUrl: string,
): RenderedMessage {
  const subject = fillTemplate(template.subject, 'header', values);
  const textBlocks = Object.fromEntries(Object.entries(blocks).map(([k, v]) => [k, v.text]));
  const htmlBlocks = Object.fromEntries(Object.entries(blocks).map(([k, v]) => [k, v.html]));
  const text = fillTemplate(template.text, 'text', values, textBlocks).trim();
  const content = template.htmlFromText
    ? text
        .split(/\n{2,}/)
        .map((p) => `<p style="margin:0 0 16px;white-space:pre-wrap;">${escapeHtml(p)}</p>`)
        .join('\n')
    : fillTemplate(template.html, 'html', values, htmlBlocks);
  return {
    subject,
    text: `${text}\n\n-- \n${cleanText(footer.text)}\n`,
    html: layout(subject, content, footer.html),
    headers: {
      // RFC 8058 §3.1: the List-Unsubscribe URI is what the one-click POST goes to. https://www.rfc-editor.org/rfc/rfc8058
      'List-Unsubscribe': `<${headerSafe(oneClickUrl, 2000).replace(/[<>]/g, '')}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

/** Small and self-contained: inline styles only (mail clients drop <style> and block remote assets). */
function layout(subject: string, content: string, footer: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:16px;background:#f4f4f5;">
<div role="article" aria-label="${escapeHtml(subject)}" style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff;border-radius:8px;color:#1f1f1f;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;">
${content}
<hr style="border:none;border-top:1px solid #d4d4d8;margin:24px 0 16px;">
<p style="margin:0;font-size:14px;color:#52525b;">${footer}</p>
</div>
</body>
</html>
`;
}

function quoteText(title: string, body: string): string {
  const lines = [title, ...(body ? ['', ...body.split('\n')] : [])];
  return lines.map((line) => (line ? `> ${line}` : '>')).join('\n');
}

function quoteHtml(title: string, body: string): string {
  return `<blockquote style="margin:0 0 16px;padding:8px 16px;border-left:4px solid #a1a1aa;color:#27272a;"><p style="margin:0 0 8px;font-weight:bold;">${escapeHtml(title)}</p>${body ? `<p style="margin:0;white-space:pre-wrap;">${escapeHtml(body)}</p>` : ''}</blockquote>`;
}

/** The request's date as `formatDay` writes it; a value that is not a date is shown as (clean) text. */
function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? cleanText(iso) : formatDay(date);
}
