import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/load.ts';
import { type MailTemplates, mailTemplatesSchema } from '../../config/mail-templates.schema.ts';
import type { FeatureStatus } from '../../domain/status.ts';
import {
  type DigestMessageInput,
  renderDigestMessage,
  renderStatusMessage,
  type StatusMessageInput,
} from './render.ts';

const links = {
  statusPage: 'https://sync.example.com/r/STATUS',
  unsubscribe: 'https://sync.example.com/unsubscribe/UNSUB',
  oneClickUnsubscribe: 'https://sync.example.com/unsubscribe/UNSUB/one-click',
};

function input(over: Partial<StatusMessageInput> = {}): StatusMessageInput {
  return {
    productName: 'Acme',
    requester: { name: 'Ada Lovelace', email: 'ada@example.com' },
    feature: { title: 'Dark mode' },
    status: 'planned',
    request: {
      title: 'Please add a dark theme',
      body: 'My eyes hurt at night.',
      receivedAt: '2026-03-03T10:00:00Z',
    },
    links,
    ...over,
  };
}

/** The HTML with its markup removed: what a reader sees. */
const visible = (html: string) => html.replace(/<[^>]*>/g, '');

describe('renderStatusMessage: what each status says', () => {
  it.each([
    ['planned', 'is planned', 'is now planned', 'on the roadmap'],
    ['in_progress', 'is being built', 'is being built', 'Work has started'],
    ['shipped', 'has shipped — you can use it now', 'shipped — you can use it now', 'available now'],
    ['declined', 'was declined', 'was declined', 'not planned for now'],
    ['merged', 'was merged into “Night theme”', 'merged into “Night theme”', 'counts toward “Night theme”'],
  ] as const)('%s', (status, subjectWords, bodyWords, next) => {
    const m = renderStatusMessage(
      input({
        status: status as FeatureStatus,
        mergedInto: status === 'merged' ? { title: 'Night theme' } : undefined,
      }),
    );
    expect(m.subject).toBe(`Acme: your request “Please add a dark theme” ${subjectWords}`);
    for (const part of [m.text, visible(m.html)]) {
      expect(part).toContain(bodyWords);
      expect(part).toContain(next);
      expect(part).toContain('Hi Ada Lovelace,');
      expect(part).toContain('3 March 2026');
      expect(part).toContain('My eyes hurt at night.');
    }
    expect(m.text).toContain('> Please add a dark theme\n>\n> My eyes hurt at night.');
    expect(m.text).toContain(links.statusPage);
    expect(m.text).toContain(links.unsubscribe);
    expect(m.html).toContain(`href="${links.statusPage}"`);
    expect(m.html).toContain(`href="${links.unsubscribe}"`);
    expect(m.headers).toEqual({
      'List-Unsubscribe': `<${links.oneClickUnsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('is a small self-contained accessible page: lang, title, inline styles, no external assets or scripts', () => {
    const { html } = renderStatusMessage(input());
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<title>Acme: your request “Please add a dark theme” is planned</title>');
    expect(html).toContain('<h1 ');
    expect(html).not.toMatch(/<(script|style|link|img|iframe)\b/i);
    expect(html).not.toMatch(/src=|url\(/i);
    expect(Buffer.byteLength(html)).toBeLessThan(6000);
  });

  it('greets without a name when there is none', () => {
    const m = renderStatusMessage(input({ requester: { name: null, email: 'x@example.com' } }));
    expect(m.text.startsWith('Hello,\n')).toBe(true);
  });
});

describe('renderStatusMessage: hostile text', () => {
  const long = `${'word '.repeat(400)}END`;
  it.each([
    [
      'a script in the title',
      { feature: { title: '<script>alert(1)</script>' } },
      '<script>alert(1)</script>',
    ],
    [
      'a header injection in the request title',
      { request: { ...input().request, title: 'Hi\r\nBcc: victim@example.com' } },
      'Hi Bcc: victim@example.com',
    ],
    [
      'quotes and ampersands',
      { feature: { title: `Tom's "quick" & <b>bold</b>` } },
      `Tom's "quick" & <b>bold</b>`,
    ],
    [
      'an attribute breakout in the name',
      { requester: { name: '"><img src=x onerror=alert(1)>', email: 'a@b.c' } },
      '"><img src=x onerror=alert(1)>',
    ],
    ['unicode and emoji', { feature: { title: 'Ünïcødé 日本語 🚀 زر' } }, 'Ünïcødé 日本語 🚀 زر'],
    ['control and bidi characters', { feature: { title: 'a\u0000b\u0007c\u202Ed\u2066e' } }, 'abcde'],
  ] as const)('%s is escaped in HTML, flattened in headers', (_name, over, shown) => {
    const m = renderStatusMessage(input(over as Partial<StatusMessageInput>));
    expect(Array.from(m.subject).some((c) => (c.codePointAt(0) ?? 0) < 0x20)).toBe(false);
    expect(m.html).not.toMatch(/<script|<img|<b>/i);
    expect(['\u0000', '\u0007', '\u202e'].some((c) => m.html.includes(c))).toBe(false);
    // What the reader sees is the text as typed (entities decoded), never markup.
    const decoded = visible(m.html)
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&amp;', '&');
    expect(decoded + m.text + m.subject).toContain(shown);
  });

  it('never lets a title make a second header line', () => {
    const m = renderStatusMessage(
      input({ request: { ...input().request, title: 'x\r\nBcc: evil@example.com\nX-Y: z' } }),
    );
    expect(m.subject).toBe('Acme: your request “x Bcc: evil@example.com X-Y: z” is planned');
  });

  it('trims a very long body and title, keeping whole words and characters', () => {
    const m = renderStatusMessage(
      input({
        feature: { title: `${'🚀'.repeat(300)}` },
        request: { ...input().request, body: long, title: 'T' },
      }),
    );
    expect(m.text).not.toContain('END');
    expect(m.text).toMatch(/word…/);
    expect(m.subject.length).toBeLessThanOrEqual(180);
    expect(Array.from(m.text).some((c) => c === '\ufffd')).toBe(false);
    expect(m.html).toContain(`${'🚀'.repeat(10)}`);
  });
});

describe('templates from configuration', () => {
  const parse = (raw: unknown) => mailTemplatesSchema.safeParse(raw);

  it('overrides a subject and body, escaping every value', () => {
    const templates = parse({
      shipped: {
        subject: '{{feature.title}} is live!',
        text: 'Hey {{requester.name}}: {{feature.title}} shipped.\n\n{{request.quote}}',
      },
    });
    expect(templates.success).toBe(true);
    const m = renderStatusMessage(
      input({ status: 'shipped', feature: { title: '<i>Dark</i>\nmode' } }),
      templates.data as MailTemplates,
    );
    expect(m.subject).toBe('<i>Dark</i> mode is live!');
    expect(m.text).toContain('Hey Ada Lovelace: <i>Dark</i> mode shipped.');
    expect(m.html).toContain('Hey Ada Lovelace: &lt;i&gt;Dark&lt;/i&gt; mode shipped.');
    expect(m.html).toContain('&gt; Please add a dark theme');
    // The footer with the unsubscribe link stays whatever the template says.
    expect(m.html).toContain(`href="${links.unsubscribe}"`);
    expect(m.text).toContain(links.unsubscribe);
    // Another status keeps the built-in template.
    expect(renderStatusMessage(input(), templates.data as MailTemplates).subject).toContain('is planned');
  });

  it('uses an html template as given, values escaped', () => {
    const templates = parse({
      planned: {
        text: 'Planned: {{feature.title}}',
        html: '<p style="color:#111">Planned: <em>{{feature.title}}</em></p>',
      },
    });
    const m = renderStatusMessage(
      input({ feature: { title: '<script>x</script>' } }),
      templates.data as MailTemplates,
    );
    expect(m.html).toContain('<p style="color:#111">Planned: <em>&lt;script&gt;x&lt;/script&gt;</em></p>');
  });

  it.each([
    [
      'an unknown placeholder',
      { planned: { subject: 'Hi {{user.password}}' } },
      'planned.subject',
      'unknown placeholder {{user.password}}',
    ],
    ['stray braces', { planned: { text: 'Hi {{ feature.title }' } }, 'planned.text', '"{{" or "}}"'],
    [
      'a block in a subject',
      { planned: { subject: '{{request.quote}}' } },
      'planned.subject',
      'unknown placeholder {{request.quote}}',
    ],
    [
      'a digest-only placeholder in a status template',
      { shipped: { text: '{{items}}' } },
      'shipped.text',
      'unknown placeholder {{items}}',
    ],
    ['html without text', { declined: { html: '<p>x</p>' } }, 'declined.text', 'needs a text template'],
    ['an unknown status', { done: { subject: 'x' } }, '', 'done'],
    ['an empty template', { digest: { subject: '  ' } }, 'digest.subject', 'expected template text'],
  ])('refuses %s at start', (_name, raw, path, message) => {
    const result = parse(raw);
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    expect(
      issues.some((i) => i.path.join('.') === path && `${i.message} ${JSON.stringify(i)}`.includes(message)),
    ).toBe(true);
  });
});

describe('templates at start', () => {
  it('an unknown placeholder in the YAML stops the service with the path and the name', () => {
    const yaml = [
      'notifications:',
      '  templates:',
      '    shipped:',
      '      subject: "{{feature.name}} is out"',
    ].join('\n');
    let problems: string[] = [];
    try {
      loadConfig({ env: { CONFIG_FILE: 'c.yaml' }, readFile: () => yaml, cwd: '/srv' });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems;
    }
    expect(problems.join('\n')).toMatch(
      /notifications\.templates\.shipped\.subject.*unknown placeholder \{\{feature\.name\}\}/,
    );
  });
});

describe('renderDigestMessage', () => {
  const digest: DigestMessageInput = {
    productName: 'Acme',
    requester: { name: 'Ada', email: 'ada@example.com' },
    items: [
      {
        feature: { title: 'Dark <mode>' },
        status: 'shipped',
        request: input().request,
        statusPage: 'https://s/r/A',
      },
      {
        feature: { title: 'CSV export' },
        status: 'merged',
        mergedInto: { title: 'Data export' },
        request: { title: 'csv pls', body: '', receivedAt: '2026-01-01T00:00:00Z' },
        statusPage: 'https://s/r/B',
      },
    ],
    links: {
      unsubscribe: 'https://s/unsubscribe/U',
      oneClickUnsubscribe: 'https://s/unsubscribe/U/one-click',
    },
  };

  it('lists every change with its status and link', () => {
    const m = renderDigestMessage(digest);
    expect(m.subject).toBe('Acme: news on 2 of your requests');
    expect(m.text).toContain(
      '- “Dark <mode>”: shipped — you can use it now\n  You asked: “Please add a dark theme”\n  https://s/r/A',
    );
    expect(m.text).toContain('“CSV export”: merged into “Data export”');
    expect(m.html).toContain(
      '<a href="https://s/r/A" style="color:#0b57d0;text-decoration:underline;">Dark &lt;mode&gt;</a>',
    );
    expect(m.html).toContain('href="https://s/unsubscribe/U"');
    expect(m.headers['List-Unsubscribe']).toBe('<https://s/unsubscribe/U/one-click>');
  });

  it('takes a digest template', () => {
    const t = mailTemplatesSchema.parse({
      digest: { subject: '{{count}} updates for {{requester.name}}', text: 'Updates:\n\n{{items}}' },
    });
    const m = renderDigestMessage(digest, t);
    expect(m.subject).toBe('2 updates for Ada');
    expect(m.html).toContain('Dark &lt;mode&gt;');
    expect(m.html).not.toContain('<mode>');
  });
});
