import { describe, expect, it } from 'vitest';
import { markdownToHtml } from './markdown-html.ts';

describe('markdownToHtml', () => {
  it.each([
    ['nothing', null, ''],
    ['a paragraph with a hard line', 'one\ntwo', '<p>one<br>two</p>'],
    ['a heading at any level as h3', '# Top\n\n### Customer demand', '<h3>Top</h3><h3>Customer demand</h3>'],
    [
      'a link',
      '[Open this feature in Suggested Sync](https://ss.example/console/features/f_1)',
      '<p><a href="https://ss.example/console/features/f_1">Open this feature in Suggested Sync</a></p>',
    ],
    [
      'a bare URL, its full stop left out',
      'See https://a.example/x.',
      '<p>See <a href="https://a.example/x">https://a.example/x</a>.</p>',
    ],
    ['a javascript: link as its text only', '[click](javascript:alert(1))', '<p>click</p>'],
    ['a relative link as its text only', '[home](/console)', '<p>home</p>'],
    [
      'markup escaped',
      '<script>alert("x")</script>',
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>',
    ],
    [
      'a quote in a URL escaped',
      '[x](https://a.example/"onmouseover=1)',
      '<p><a href="https://a.example/%22onmouseover=1">x</a></p>',
    ],
    [
      'backslash escapes as their characters',
      '\\[not a link\\](https://a.example) \\*plain\\*',
      '<p>[not a link](<a href="https://a.example/">https://a.example</a>) *plain*</p>',
    ],
    [
      'emphasis and strong',
      '**Companies** and _Updated by Suggested Sync_',
      '<p><strong>Companies</strong> and <em>Updated by Suggested Sync</em></p>',
    ],
    ['underscores inside words kept', 'snake_case_name', '<p>snake_case_name</p>'],
    ['inline code escaped', '`<b>`', '<p><code>&lt;b&gt;</code></p>'],
    [
      'a bullet list',
      '- **Acme** · 2 requests\n- Globex',
      '<ul><li><strong>Acme</strong> · 2 requests</li><li>Globex</li></ul>',
    ],
    ['a numbered list', '1. one\n2. two', '<ol><li>one</li><li>two</li></ol>'],
    [
      'a quote of two paragraphs',
      '> We need it\n>\n> — Ada, Acme',
      '<blockquote><p>We need it</p><p>— Ada, Acme</p></blockquote>',
    ],
    [
      'a fenced block kept as text',
      '```\n<a href="x">[y](https://a.example)</a>\n```',
      '<pre><code>&lt;a href=&quot;x&quot;&gt;[y](https://a.example)&lt;/a&gt;</code></pre>',
    ],
    ['a rule', 'a\n\n---\n\nb', '<p>a</p><hr><p>b</p>'],
  ])('renders %s', (_name, markdown, html) => {
    expect(markdownToHtml(markdown)).toBe(html);
  });

  it('makes no link inside a link', () => {
    expect(markdownToHtml('[see https://b.example](https://a.example)')).toBe(
      '<p><a href="https://a.example/">see https://b.example</a></p>',
    );
  });
});
