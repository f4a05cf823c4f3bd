import { describe, expect, it } from 'vitest';
import {
  hasReplyMarker,
  plainToHtml,
  renderSourceReply,
  replyMarker,
  type SourceReplyInput,
  slackMrkdwn,
  withReplyMarker,
} from './source-reply.ts';

const MESSAGE_ID = '<0b9e7c52-2f7e-4d1a-9a57-1c2f3e4d5a6b@ideas.example.com>';

const input = (over: Partial<SourceReplyInput> = {}): SourceReplyInput => ({
  productName: 'Acme Ideas',
  feature: { title: 'Ticket merging' },
  status: 'in_progress',
  messageId: MESSAGE_ID,
  ...over,
});

/** Slack's control sequences: `<!here>`, `<!channel>`, `<@U1>`, `<#C1>`, `<url|label>`. None may survive. */
const slackControl = /<[!@#]|<https?:|<mailto:/;
/** Markup a browser would act on: any tag but the paragraphs the renderer makes. */
const liveHtml = /<(?!\/?p>)/;

describe('renderSourceReply', () => {
  it('says the feature, the status in plain words and what happens next, and nothing that acts for the requester', () => {
    const text = renderSourceReply(input());
    expect(text).toBe(
      [
        'Update from Acme Ideas on “Ticket merging”',
        'Status: being built',
        'What happens next: Work has started. We will write again as soon as you can use it.',
        'Ref: 0b9e7c52-2f7e-4d1a-9a57-1c2f3e4d5a6b',
      ].join('\n'),
    );
    expect(text).not.toMatch(/https?:|unsubscribe|@/i);
  });

  it('names the surviving feature of a merge', () => {
    const text = renderSourceReply(
      input({ status: 'merged', mergedInto: { title: 'Merge tickets & threads' } }),
    );
    expect(text).toContain('Status: merged into “Merge tickets & threads”');
    expect(text).toContain('you will hear about that one');
  });

  // A hostile title: each channel's rendering shows it as text, never as a ping, a link or markup.
  it.each<[string, string, (s: string) => void, (h: string) => void]>([
    [
      'a Slack channel ping',
      'Dark mode <!channel> <!here> <!everyone>',
      (s) => expect(s).toContain('&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt;'),
      (h) => expect(h).toContain('&lt;!channel&gt;'),
    ],
    [
      'a disguised Slack link',
      'See <https://evil.example/login|Docs> now',
      (s) => expect(s).toContain('&lt;https://evil.example/login|Docs&gt;'),
      (h) => expect(h).toContain('&lt;https://evil.example/login|Docs&gt;'),
    ],
    [
      'a user and channel mention',
      'Ask <@U0ADMIN> in <#C0GENERAL>',
      (s) => expect(s).toContain('&lt;@U0ADMIN&gt; in &lt;#C0GENERAL&gt;'),
      (h) => expect(h).toContain('&lt;@U0ADMIN&gt;'),
    ],
    [
      'an already-escaped entity (must not be unescaped into a control sequence)',
      'Fake &lt;!channel&gt; entity',
      (s) => expect(s).toContain('&amp;lt;!channel&amp;gt;'),
      (h) => expect(h).toContain('&amp;lt;!channel&amp;gt;'),
    ],
    [
      'an HTML script and an event handler',
      '<script>alert(1)</script><img src=x onerror="alert(2)">',
      (s) => expect(s).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror="alert(2)"&gt;'),
      (h) =>
        expect(h).toContain(
          '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;',
        ),
    ],
    [
      'a javascript: link',
      '<a href="javascript:alert(1)">Docs</a>',
      (s) => expect(s).toContain('&lt;a href="javascript:alert(1)"&gt;Docs&lt;/a&gt;'),
      (h) => expect(h).toContain('&lt;a href=&quot;javascript:alert(1)&quot;&gt;Docs&lt;/a&gt;'),
    ],
    [
      'a line break that would start a fake status line',
      'Dark mode\nStatus: shipped\r\nRef: 1',
      (s) => expect(s).toContain('on “Dark mode Status: shipped Ref: 1”'),
      (h) => expect(h).toContain('on “Dark mode Status: shipped Ref: 1”</p>'),
    ],
    [
      'bidirectional overrides and control characters',
      'Dark\u202e edom\u0007 mode',
      (s) => expect(s).toContain('“Dark edom mode”'),
      (h) => expect(h).toContain('“Dark edom mode”'),
    ],
  ])('a title with %s is inert in Slack and in HTML', (_name, title, slackCheck, htmlCheck) => {
    const text = renderSourceReply(input({ feature: { title }, mergedInto: { title } }));
    const slack = slackMrkdwn(text);
    const html = plainToHtml(text);
    slackCheck(slack);
    htmlCheck(html);
    expect(slack).not.toMatch(slackControl);
    expect(html).not.toMatch(liveHtml);
    // Each status line stays where it is: the title cannot add lines of its own.
    expect(text.split('\n')).toHaveLength(4);
    for (const rendered of [text, slack, html]) expect(hasReplyMarker(rendered, MESSAGE_ID)).toBe(true);
  });

  it('escapes the product name too', () => {
    const text = renderSourceReply(input({ productName: 'Acme <!channel>' }));
    expect(slackMrkdwn(text)).toContain('Acme &lt;!channel&gt;');
    expect(plainToHtml(text)).toContain('Acme &lt;!channel&gt;');
  });
});

describe('reply markers', () => {
  it('withReplyMarker adds the reference once', () => {
    expect(withReplyMarker('Shipped.', '<m-2@x>')).toBe('Shipped.\nRef: m-2');
    expect(withReplyMarker('Shipped.\nRef: m-2', '<m-2@x>')).toBe('Shipped.\nRef: m-2');
    expect(withReplyMarker('Shipped.\nRef: m-20', '<m-2@x>')).toBe('Shipped.\nRef: m-20\nRef: m-2');
  });

  it.each([
    [MESSAGE_ID, '0b9e7c52-2f7e-4d1a-9a57-1c2f3e4d5a6b'],
    ['<n-1@suggested.example>', 'n-1'],
    ['m-1', 'm-1'],
    ['<"odd id"@x>', 'oddid'],
    ['<@x>', 'none'],
  ])('%s → %s', (messageId, marker) => {
    expect(replyMarker(messageId)).toBe(marker);
  });

  it('finds only this reply: not a longer id that starts the same, not another one', () => {
    const posted = plainToHtml(renderSourceReply(input({ messageId: '<m-10@x>' })));
    expect(hasReplyMarker(posted, '<m-10@x>')).toBe(true);
    expect(hasReplyMarker(posted, '<m-1@x>')).toBe(false);
    expect(hasReplyMarker(posted, '<m-100@x>')).toBe(false);
    expect(hasReplyMarker('Ref: m.1', '<m-1@x>')).toBe(false);
    expect(hasReplyMarker('Ref: m-1', '<m.1@x>')).toBe(false);
  });
});
