import { describe, expect, it } from 'vitest';
import type { AdfDoc, AdfNode } from './adf.ts';
import { adfToHtml } from './adf-html.ts';

const doc = (...content: AdfNode[]): AdfDoc => ({ type: 'doc', version: 1, content });
const text = (t: string, ...marks: Array<{ type: string; attrs?: Record<string, unknown> }>): AdfNode => ({
  type: 'text',
  text: t,
  ...(marks.length > 0 ? { marks } : {}),
});
const paragraph = (...content: AdfNode[]): AdfNode => ({ type: 'paragraph', content });
const link = (href: unknown) => ({ type: 'link', attrs: { href } });

describe('adfToHtml', () => {
  it.each([
    ['nothing', null, ''],
    [
      'a heading at any level as h3, then a paragraph with a break',
      doc(
        { type: 'heading', attrs: { level: 1 }, content: [text('Demand')] },
        paragraph(text('a'), { type: 'hardBreak' }, text('b')),
      ),
      '<h3>Demand</h3><p>a<br>b</p>',
    ],
    [
      'a link mark',
      doc(
        paragraph(
          text('Open this feature in Suggested Sync', link('https://ss.example/console/features/f_1')),
        ),
      ),
      '<p><a href="https://ss.example/console/features/f_1">Open this feature in Suggested Sync</a></p>',
    ],
    [
      'a javascript: link as its text only',
      doc(paragraph(text('click', link('javascript:alert(1)')))),
      '<p>click</p>',
    ],
    ['a link without href as its text only', doc(paragraph(text('click', { type: 'link' }))), '<p>click</p>'],
    [
      'a quote in a link escaped',
      doc(paragraph(text('x', link('https://a.example/?q="a"')))),
      '<p><a href="https://a.example/?q=%22a%22">x</a></p>',
    ],
    [
      'markup in text escaped',
      doc(paragraph(text('<img src=x onerror=alert(1)>'))),
      '<p>&lt;img src=x onerror=alert(1)&gt;</p>',
    ],
    [
      'strong and em',
      doc(paragraph(text('Acme', { type: 'strong' }), text(' done', { type: 'em' }))),
      '<p><strong>Acme</strong><em> done</em></p>',
    ],
    [
      'a list in a quote',
      doc({
        type: 'blockquote',
        content: [{ type: 'bulletList', content: [{ type: 'listItem', content: [paragraph(text('one'))] }] }],
      }),
      '<blockquote><ul><li><p>one</p></li></ul></blockquote>',
    ],
    [
      'an inline card',
      doc(paragraph({ type: 'inlineCard', attrs: { url: 'https://a.example/1' } })),
      '<p><a href="https://a.example/1">https://a.example/1</a></p>',
    ],
    [
      'an unknown node as its content',
      doc({ type: 'panel', content: [paragraph(text('inside'))] }),
      '<p>inside</p>',
    ],
    [
      'a code block escaped',
      doc({ type: 'codeBlock', content: [text('<b>')] }),
      '<pre><code>&lt;b&gt;</code></pre>',
    ],
  ])('renders %s', (_name, value, html) => {
    expect(adfToHtml(value)).toBe(html);
  });
});
