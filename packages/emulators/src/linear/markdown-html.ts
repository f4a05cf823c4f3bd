import { escapeHtml, linkHtml } from '../shared/html.ts';

/**
 * An issue's markdown description as the page shows it: the markdown Linear's editor writes (headings, paragraphs,
 * lists, quotes, code, `[text](url)`, bare URLs, emphasis, backslash escapes) as HTML. Every character of the source
 * is escaped on its way out and links are made only for http(s) URLs, so a description cannot inject markup.
 * Headings all become `h3` so a description cannot break the page's outline.
 * https://linear.app/docs/editor
 */

const ESCAPABLE = /[!-/:-@[-`{-~]/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const QUOTE = /^ {0,3}> ?/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const BULLET = /^ {0,3}[-*+][ \t]+/;
const NUMBERED = /^ {0,3}\d{1,9}[.)][ \t]+/;
const BARE_URL = /^https?:\/\/[^\s<>]+/;

/** Where `delimiter` next occurs at or after `from`, skipping backslash-escaped characters; -1 when it does not. */
function closing(src: string, delimiter: string, from: number): number {
  for (let j = from; j < src.length; j++) {
    if (src[j] === '\\') j++;
    else if (src.startsWith(delimiter, j)) return j;
  }
  return -1;
}

/** The `)` that closes a link destination starting at `from` (balanced parentheses allowed, as CommonMark does). */
function closingParenthesis(src: string, from: number): number {
  let depth = 0;
  for (let j = from; j < src.length; j++) {
    if (src[j] === '(') depth++;
    else if (src[j] === ')' && depth-- === 0) return j;
  }
  return -1;
}

/** `[text](url)` starting at `i`: its parts and where it ends, or undefined when there is none. */
function linkAt(src: string, i: number): { text: string; href: string; end: number } | undefined {
  let depth = 0;
  let j = i + 1;
  for (; j < src.length; j++) {
    if (src[j] === '\\') j++;
    else if (src[j] === '[') depth++;
    else if (src[j] === ']' && depth-- === 0) break;
  }
  if (src[j + 1] !== '(') return undefined;
  const close = closingParenthesis(src, j + 2);
  const href = close < 0 ? '' : src.slice(j + 2, close).trim();
  if (href === '' || /\s/.test(href)) return undefined;
  return { text: src.slice(i + 1, j), href, end: close + 1 };
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

function inlineHtml(src: string, inLink = false): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? '';
    const next = src[i + 1];
    if (ch === '\\' && next !== undefined && ESCAPABLE.test(next)) {
      out += escapeHtml(next);
      i += 2;
      continue;
    }
    if (ch === '`') {
      const end = src.indexOf('`', i + 1);
      if (end > i + 1) {
        out += `<code>${escapeHtml(src.slice(i + 1, end))}</code>`;
        i = end + 1;
        continue;
      }
    }
    const link = ch === '[' && !inLink ? linkAt(src, i) : undefined;
    if (link) {
      out += linkHtml(link.href, inlineHtml(link.text, true));
      i = link.end;
      continue;
    }
    const bare = inLink || isWordChar(src[i - 1]) ? null : BARE_URL.exec(src.slice(i));
    if (bare) {
      const url = bare[0].replace(/[.,;:!?)]+$/, '');
      out += linkHtml(url, escapeHtml(url));
      i += url.length;
      continue;
    }
    const strong = src.startsWith('**', i) ? closing(src, '**', i + 2) : -1;
    if (strong > i + 2) {
      out += `<strong>${inlineHtml(src.slice(i + 2, strong), inLink)}</strong>`;
      i = strong + 2;
      continue;
    }
    const emphasis = (ch === '_' && !isWordChar(src[i - 1])) || ch === '*' ? closing(src, ch, i + 1) : -1;
    if (emphasis > i + 1 && !(ch === '_' && isWordChar(src[emphasis + 1]))) {
      out += `<em>${inlineHtml(src.slice(i + 1, emphasis), inLink)}</em>`;
      i = emphasis + 1;
      continue;
    }
    out += escapeHtml(ch);
    i++;
  }
  return out;
}

const startsBlock = (line: string) =>
  FENCE.test(line) || HEADING.test(line) || QUOTE.test(line) || BULLET.test(line) || NUMBERED.test(line);

/** The lines from `start` while `keep` holds for them. */
function run(lines: readonly string[], start: number, keep: (line: string) => boolean): string[] {
  const taken: string[] = [];
  for (let i = start; i < lines.length && keep(lines[i] ?? ''); i++) taken.push(lines[i] ?? '');
  return taken;
}

/** One block starting at `lines[i]`: its HTML and how many lines it took. */
function blockAt(lines: readonly string[], i: number): { html: string; taken: number } {
  const line = lines[i] ?? '';
  const fence = FENCE.exec(line)?.[1];
  if (fence) {
    const body = run(lines, i + 1, (l) => !l.trimStart().startsWith(fence));
    const closed = i + 1 + body.length < lines.length ? 1 : 0;
    return {
      html: `<pre><code>${escapeHtml(body.join('\n'))}</code></pre>`,
      taken: body.length + 1 + closed,
    };
  }
  const heading = HEADING.exec(line);
  if (heading) return { html: `<h3>${inlineHtml(heading[1] ?? '')}</h3>`, taken: 1 };
  if (QUOTE.test(line)) {
    const quoted = run(lines, i, (l) => QUOTE.test(l));
    const inner = blocksHtml(quoted.map((l) => l.replace(QUOTE, '')));
    return { html: `<blockquote>${inner}</blockquote>`, taken: quoted.length };
  }
  if (RULE.test(line)) return { html: '<hr>', taken: 1 };
  for (const [marker, tag] of [
    [BULLET, 'ul'],
    [NUMBERED, 'ol'],
  ] as const) {
    if (!marker.test(line)) continue;
    const items = run(lines, i, (l) => marker.test(l) && !RULE.test(l));
    const html = items.map((l) => `<li>${inlineHtml(l.replace(marker, ''))}</li>`).join('');
    return { html: `<${tag}>${html}</${tag}>`, taken: items.length };
  }
  const rest = run(lines, i + 1, (l) => l.trim() !== '' && !startsBlock(l) && !RULE.test(l));
  const paragraph = [line, ...rest].map((l) => inlineHtml(l.trim())).join('<br>');
  return { html: `<p>${paragraph}</p>`, taken: rest.length + 1 };
}

function blocksHtml(lines: readonly string[]): string {
  let html = '';
  for (let i = 0; i < lines.length; ) {
    if ((lines[i] ?? '').trim() === '') {
      i++;
      continue;
    }
    const block = blockAt(lines, i);
    html += block.html;
    i += block.taken;
  }
  return html;
}

/** The description as HTML, or an empty string when there is none. */
export function markdownToHtml(markdown: string | null | undefined): string {
  return markdown ? blocksHtml(markdown.replace(/\r\n?/g, '\n').split('\n')) : '';
}
