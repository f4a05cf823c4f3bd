/**
 * The mail template language: text with `{{name}}` placeholders and nothing else (no loops, no conditionals, no raw
 * output), so a template from the YAML cannot run code or inject markup. Every value is escaped for where it lands.
 */

/** How a filled-in value is made safe: HTML-escaped, control characters stripped, or flattened for a header. */
type TemplateMode = 'html' | 'text' | 'header';

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)\s*\}\}/g;

/** Every problem with a template, one message each (unknown placeholder, stray braces); empty when it is fine. */
export function templateProblems(template: string, allowed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!allowed.includes(name)) {
      problems.push(
        `unknown placeholder {{${name}}}; known here: ${allowed.map((a) => `{{${a}}}`).join(', ')}`,
      );
    }
  }
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    problems.push('a "{{" or "}}" is not part of a placeholder such as {{feature.title}}');
  }
  return problems;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// C0/C1 controls except tab and newline, and the bidirectional overrides used to make text read backwards.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text for a message body: no control characters (tab and newline stay), CRLF and CR become newlines. */
export function cleanText(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(CONTROL, '');
}

/**
 * Text for a header such as Subject: one line, whatever the input held (a CR/LF would start a new header, a
 * `Bcc:` for instance), whitespace collapsed, at most `max` characters.
 */
export function headerSafe(value: string, max = 180): string {
  const line = value
    .replace(/[\r\n\u2028\u2029\t]+/g, ' ')
    .replace(CONTROL, '')
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(line, max);
}

/** At most `max` characters (by code point, so no emoji is cut in half), ending on a word when one is near. */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  const cut = chars.slice(0, max - 1).join('');
  const space = cut.search(/\s\S*$/);
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

/**
 * Fills a template. `values` are plain text and escaped for `mode`; `blocks` are already in the target format
 * (made by the renderer itself, never from user text) and go in as they are. A placeholder in neither is a bug in
 * the caller (config validation rejects unknown names at start), so it throws.
 */
export function fillTemplate(
  template: string,
  mode: TemplateMode,
  values: Readonly<Record<string, string>>,
  blocks: Readonly<Record<string, string>> = {},
): string {
  const filled = template.replace(PLACEHOLDER, (_all, name: string) => {
    const block = blocks[name];
    if (block !== undefined) return block;
    const value = values[name];
    if (value === undefined) throw new Error(`template placeholder {{${name}}} has no value`);
    if (mode === 'html') return escapeHtml(cleanText(value));
    if (mode === 'header') return headerSafe(value, 1000);
    return cleanText(value);
  });
  return mode === 'header' ? headerSafe(filled) : filled;
}

/** "3 March 2026" in UTC: a date a reader recognises, the same whichever server renders it. */
export function formatDay(date: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}
