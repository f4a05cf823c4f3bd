import { escapeHtml, linkHtml } from '../shared/html.ts';
import type { AdfDoc, AdfNode } from './adf.ts';

/**
 * An issue's description as the page shows it: the common ADF nodes as their HTML counterparts, text escaped,
 * `link` marks and inline cards as links when their URL is http(s). Headings all become `h3` so a description cannot
 * break the page's outline; nodes the page does not know show their content.
 * https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/
 */

const BLOCK_TAGS: Readonly<Record<string, string>> = {
  paragraph: 'p',
  heading: 'h3',
  bulletList: 'ul',
  orderedList: 'ol',
  listItem: 'li',
  blockquote: 'blockquote',
};

const MARK_TAGS: Readonly<Record<string, string>> = {
  strong: 'strong',
  em: 'em',
  code: 'code',
  strike: 's',
  underline: 'u',
};

interface Mark {
  type: string;
  attrs?: Record<string, unknown>;
}

function marksOf(node: AdfNode): Mark[] {
  return (node.marks ?? []).filter(
    (m): m is Mark =>
      typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string',
  );
}

function textHtml(node: AdfNode): string {
  let html = escapeHtml(node.text);
  let href: unknown;
  for (const mark of marksOf(node)) {
    const tag = MARK_TAGS[mark.type];
    if (tag) html = `<${tag}>${html}</${tag}>`;
    if (mark.type === 'link') href = mark.attrs?.['href'];
  }
  return href === undefined ? html : linkHtml(href, html);
}

function nodeHtml(node: AdfNode): string {
  const inner = () => (node.content ?? []).map(nodeHtml).join('');
  switch (node.type) {
    case 'text':
      return textHtml(node);
    case 'hardBreak':
      return '<br>';
    case 'rule':
      return '<hr>';
    case 'codeBlock':
      return `<pre><code>${inner()}</code></pre>`;
    case 'inlineCard': {
      const url = node.attrs?.['url'];
      return linkHtml(url, escapeHtml(url));
    }
    case 'mention':
    case 'emoji':
    case 'status':
      return escapeHtml(node.attrs?.['text'] ?? node.attrs?.['shortName'] ?? '');
    default: {
      const tag = BLOCK_TAGS[node.type];
      return tag ? `<${tag}>${inner()}</${tag}>` : inner();
    }
  }
}

/** The description as HTML, or an empty string when there is none. */
export function adfToHtml(doc: AdfDoc | null | undefined): string {
  return doc ? doc.content.map(nodeHtml).join('') : '';
}
