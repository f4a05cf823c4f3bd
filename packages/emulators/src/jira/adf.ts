/**
 * Atlassian Document Format: the rich text v3 takes in `description` and comment bodies.
 * https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/
 * The emulator checks the document's shape (not every node's attributes) and turns it into plain text for its page,
 * for v2 representations (webhook payloads) and for changelog strings.
 */

export interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
  attrs?: Record<string, unknown>;
  marks?: unknown[];
}

export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where the value stops being a valid document, or undefined when it is one. */
export function adfProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not an object';
  if (value['type'] !== 'doc') return "type must be 'doc'";
  if (value['version'] !== 1) return 'version must be 1';
  if (!Array.isArray(value['content'])) return 'content must be an array';
  return nodesProblem(value['content'], 'content');
}

function nodesProblem(nodes: unknown[], path: string): string | undefined {
  for (const [i, node] of nodes.entries()) {
    const at = `${path}[${i}]`;
    if (!isRecord(node) || typeof node['type'] !== 'string' || node['type'] === '')
      return `${at} has no type`;
    if (node['type'] === 'doc') return `${at} is a nested doc`;
    if (node['type'] === 'text' && typeof node['text'] !== 'string')
      return `${at} is a text node without text`;
    if (node['content'] !== undefined) {
      if (!Array.isArray(node['content'])) return `${at}.content must be an array`;
      const inner = nodesProblem(node['content'], `${at}.content`);
      if (inner) return inner;
    }
  }
  return undefined;
}

export function isAdfDoc(value: unknown): value is AdfDoc {
  return adfProblem(value) === undefined;
}

const BLOCKS = new Set([
  'paragraph',
  'heading',
  'blockquote',
  'codeBlock',
  'listItem',
  'panel',
  'rule',
  'tableRow',
  'mediaSingle',
]);

function nodeText(node: AdfNode): string {
  switch (node.type) {
    case 'text':
      return node.text ?? '';
    case 'hardBreak':
      return '\n';
    case 'mention':
    case 'emoji':
    case 'status':
      return String(node.attrs?.['text'] ?? node.attrs?.['shortName'] ?? '');
    case 'inlineCard':
      return String(node.attrs?.['url'] ?? '');
    default:
      return (node.content ?? []).map((child) => blockText(child)).join('');
  }
}

function blockText(node: AdfNode): string {
  const text = nodeText(node);
  return BLOCKS.has(node.type) && !text.endsWith('\n') ? `${text}\n` : text;
}

/** Plain text: one line per paragraph, hard breaks kept. */
export function adfToText(doc: AdfDoc | null | undefined): string {
  if (!doc) return '';
  return doc.content
    .map((node) => blockText(node))
    .join('')
    .replace(/\n+$/, '');
}

/**
 * The document a plain or wiki-markup string (v2) becomes: a paragraph per blank-line-separated block, a hard break
 * per single newline. Wiki markup is kept as text: the emulator does not render it.
 */
export function textToAdf(text: string): AdfDoc {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .filter((p) => p.trim() !== '');
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((p) => ({
      type: 'paragraph',
      content: p.split('\n').flatMap((line, i): AdfNode[] => {
        const parts: AdfNode[] = i > 0 ? [{ type: 'hardBreak' }] : [];
        if (line !== '') parts.push({ type: 'text', text: line });
        return parts;
      }),
    })),
  };
}
