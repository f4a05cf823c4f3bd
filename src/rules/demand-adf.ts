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
 * The demand section as Atlassian Document Format, for Jira descriptions (v3 takes ADF only). All text sits in
 * `text` nodes, so customer text cannot become structure. Our section is the top-level heading whose text is
 * `DEMAND_TITLE` through the top-level paragraph whose text is `DEMAND_END`; customer text never forms a
 * top-level node, so it cannot fake either marker.
 * https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/
 */

export interface AdfMark {
  type: string;
  attrs?: Record<string, unknown>;
}

export interface AdfNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  text?: string;
  marks?: AdfMark[];
}

export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

export function demandAdf(demand: FeatureDemand, options: DemandOptions = {}): AdfNode[] {
  const content = demandContent(demand, options);
  const nodes: AdfNode[] = [{ type: 'heading', attrs: { level: 3 }, content: [text(DEMAND_TITLE)] }];
  if (content.possibleDuplicate) nodes.push(paragraph(content.possibleDuplicate));
  nodes.push(paragraph(content.summary));
  if (content.tiers) nodes.push(paragraph(content.tiers));
  if (content.companies.length > 0) {
    nodes.push(paragraph([{ text: 'Companies', strong: true }]), {
      type: 'bulletList',
      content: content.companies.map((line) => ({ type: 'listItem', content: [paragraph(line)] })),
    });
  }
  if (content.quotes.length > 0) {
    nodes.push(paragraph([{ text: 'What they said', strong: true }]));
    for (const q of content.quotes) {
      nodes.push({ type: 'blockquote', content: [paragraph([{ text: q.text }]), paragraph(q.attribution)] });
    }
  }
  nodes.push(paragraph(content.link), {
    type: 'paragraph',
    content: [{ type: 'text', text: DEMAND_END, marks: [{ type: 'em' }] }],
  });
  return nodes;
}

/** The demand section of an issue closed as a duplicate: where its demand is counted now (`duplicateNoteContent`). */
export function duplicateNoteAdf(note: DuplicateNote): AdfNode[] {
  return [
    { type: 'heading', attrs: { level: 3 }, content: [text(DEMAND_TITLE)] },
    ...duplicateNoteContent(note).map(paragraph),
    { type: 'paragraph', content: [{ type: 'text', text: DEMAND_END, marks: [{ type: 'em' }] }] },
  ];
}

/**
 * `existing` with our section replaced by `section`, the product owner's nodes before and after kept. A section
 * runs from our heading to our closing paragraph; if that was deleted, to the next heading (we write no other).
 * Sections after the first are removed. No section (or no description): appended.
 */
export function replaceDemandAdf(existing: AdfDoc | null, section: readonly AdfNode[]): AdfDoc {
  const nodes = Array.isArray(existing?.content) ? existing.content : [];
  const kept: AdfNode[] = [];
  let placed = false;
  let inSection = false;
  for (const node of nodes) {
    if (inSection && node.type === 'heading' && !isOurHeading(node)) inSection = false;
    if (isOurHeading(node)) {
      inSection = true;
      if (!placed) kept.push(...section);
      placed = true;
      continue;
    }
    if (inSection) {
      if (isOurEnd(node)) inSection = false;
      continue;
    }
    kept.push(node);
  }
  if (!placed) kept.push(...section);
  return { type: 'doc', version: 1, content: kept };
}

/** The text of a node and its descendants, whitespace collapsed. */
export function adfPlainText(node: AdfNode): string {
  const collect = (n: AdfNode): string => (n.text ?? '') + (n.content ?? []).map(collect).join('');
  return collect(node).replace(/\s+/g, ' ').trim();
}

function isOurHeading(node: AdfNode): boolean {
  return node.type === 'heading' && adfPlainText(node) === DEMAND_TITLE;
}

function isOurEnd(node: AdfNode): boolean {
  return node.type === 'paragraph' && adfPlainText(node) === DEMAND_END;
}

function paragraph(parts: readonly Inline[]): AdfNode {
  // ADF rejects empty text nodes.
  return { type: 'paragraph', content: parts.filter((p) => p.text !== '').map(inlineNode) };
}

function inlineNode(part: Inline): AdfNode {
  const marks: AdfMark[] = [];
  if (part.strong) marks.push({ type: 'strong' });
  if (part.href) marks.push({ type: 'link', attrs: { href: part.href } });
  return marks.length > 0 ? { type: 'text', text: part.text, marks } : text(part.text);
}

function text(value: string): AdfNode {
  return { type: 'text', text: value };
}
