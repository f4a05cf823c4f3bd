import type { FeatureDemand } from '../domain/tracker.ts';
import {
  DEMAND_END,
  DEMAND_TITLE,
  type DemandOptions,
  type DuplicateNote,
  demandContent,
  duplicateNoteContent,
  type Inline,
} from './demand-content.ts';

/**
 * The demand section as markdown, for Linear issue descriptions. The section starts at a heading whose text is
 * `DEMAND_TITLE` and ends at a line `_Updated by Suggested Sync_`; not HTML comments, which Linear's markdown
 * conversion may drop. Customer text only ever follows `- `, `> ` or our own words on a line and is escaped, so it
 * cannot form a heading, a link, HTML, or either marker line.
 */
export function demandMarkdown(demand: FeatureDemand, options: DemandOptions = {}): string {
  const content = demandContent(demand, options);
  const blocks = [`### ${DEMAND_TITLE}`];
  if (content.possibleDuplicate) blocks.push(inline(content.possibleDuplicate));
  blocks.push(inline(content.summary));
  if (content.tiers) blocks.push(inline(content.tiers));
  if (content.companies.length > 0) {
    blocks.push('**Companies**', content.companies.map((line) => `- ${inline(line)}`).join('\n'));
  }
  if (content.quotes.length > 0) {
    blocks.push('**What they said**');
    for (const q of content.quotes) blocks.push(`> ${escapeMarkdown(q.text)}\n>\n> ${inline(q.attribution)}`);
  }
  blocks.push(inline(content.link), `_${DEMAND_END}_`);
  return blocks.join('\n\n');
}

/** The demand section of an issue closed as a duplicate: where its demand is counted now (`duplicateNoteContent`). */
export function duplicateNoteMarkdown(note: DuplicateNote): string {
  return [`### ${DEMAND_TITLE}`, ...duplicateNoteContent(note).map(inline), `_${DEMAND_END}_`].join('\n\n');
}

/**
 * `existing` with our section replaced by `section`, everything the product owner wrote before and after kept. A
 * section runs from our heading to our closing line; if the closing line was deleted, to the next heading (we
 * write no other heading). Sections after the first (a copy-paste, an old race) are removed. No section: appended.
 * Applying it twice gives the same text, so an unchanged description can be detected and left alone.
 */
export function replaceDemandMarkdown(existing: string, section: string): string {
  const lines = existing.split(/\r?\n/);
  const spans = findSections(lines);
  const body = section.trim();
  const first = spans[0];
  if (!first) return existing.trim() === '' ? body : `${existing.trimEnd()}\n\n${body}`;

  const before = lines.slice(0, first.start).join('\n').trimEnd();
  const rest: string[] = [];
  for (const [i, span] of spans.entries()) {
    const next = spans[i + 1]?.start ?? lines.length;
    rest.push(trimBlankLines(lines.slice(span.end, next).join('\n')));
  }
  return [before, body, ...rest].filter((part) => part !== '').join('\n\n');
}

/** Backslash-escapes what would make customer text markup: inline syntax anywhere, block syntax at its start. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<>|~]/g, '\\$&')
    .replace(/^([#+=-])/, '\\$1')
    .replace(/^(\d{1,9})([.)])(?=\s|$)/, '$1\\$2');
}

function inline(parts: readonly Inline[]): string {
  return parts
    .map((p) => {
      const text = escapeMarkdown(p.text);
      if (p.href) return `[${text}](${p.href})`;
      return p.strong ? `**${text}**` : text;
    })
    .join('');
}

interface Span {
  start: number;
  /** Exclusive. */
  end: number;
}

function findSections(lines: readonly string[]): Span[] {
  const spans: Span[] = [];
  let fence: string | null = null;
  let open: number | null = null;
  for (const [i, line] of lines.entries()) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1]?.[0];
    if (marker && (fence === null || fence === marker)) {
      fence = fence === null ? marker : null;
      continue;
    }
    if (fence !== null) continue;
    const heading = headingText(line);
    if (open !== null && heading !== null) {
      spans.push({ start: open, end: i });
      open = null;
    }
    if (open === null && heading === DEMAND_TITLE) open = i;
    else if (open !== null && plain(line) === DEMAND_END) {
      spans.push({ start: open, end: i + 1 });
      open = null;
    }
  }
  if (open !== null) spans.push({ start: open, end: lines.length });
  return spans;
}

/** The text of an ATX heading line, or null; tolerant of the escapes and emphasis a markdown round trip adds. */
function headingText(line: string): string | null {
  const match = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
  return match ? plain(match[1] ?? '') : null;
}

function plain(text: string): string {
  return text
    .replace(/[\\*_]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function trimBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, '').trimEnd();
}
