import { describe, expect, it } from 'vitest';
import { mailTemplatesSchema } from '../../config/mail-templates.schema.ts';
import type { FeatureStatus } from '../../domain/status.ts';
import { type BackNews, backIsNews, backNewsOf, backWording, carriedBackNews } from './back-news.ts';
import { renderDigestMessage, renderStatusMessage, type StatusMessageInput } from './render.ts';
import { renderSourceReply } from './source-reply.ts';

const unmergedFrom = { id: 'f-1', title: 'Dark <b>mode</b>' };

describe('backNewsOf', () => {
  it.each<[string, Record<string, unknown> | undefined, BackNews]>([
    ['nothing', undefined, {}],
    ['a plain status row', { fromStatus: 'planned', mergedInto: { id: 'x', title: 'X' } }, {}],
    ['an unknown reason', { back: 'whatever' }, {}],
    ['a reopening', { back: 'reopened', fromStatus: 'shipped' }, { back: 'reopened' }],
    ['an unmerge', { back: 'unmerged', unmergedFrom }, { back: 'unmerged', unmergedFrom }],
    ['an unmerge with a broken name', { back: 'unmerged', unmergedFrom: { id: 1 } }, { back: 'unmerged' }],
  ])('%s', (_name, detail, expected) => {
    expect(backNewsOf(detail)).toEqual(expected);
  });
});

describe('carriedBackNews: what a row replacing a waiting one says', () => {
  it.each<
    [
      string,
      Record<string, unknown> | undefined,
      Record<string, unknown> | undefined,
      FeatureStatus,
      FeatureStatus,
      BackNews,
    ]
  >([
    [
      'its own news first',
      { back: 'reopened' },
      { back: 'unmerged', unmergedFrom },
      'shipped',
      'planned',
      { back: 'reopened' },
    ],
    ['nothing replaced, nothing to carry', undefined, undefined, 'planned', 'in_progress', {}],
    [
      'an unmerge not heard of yet',
      undefined,
      { back: 'unmerged', unmergedFrom },
      'merged',
      'shipped',
      { back: 'unmerged', unmergedFrom },
    ],
    [
      'a reopening still a step back',
      undefined,
      { back: 'reopened' },
      'shipped',
      'planned',
      { back: 'reopened' },
    ],
    ['a reopening undone by moving on', undefined, { back: 'reopened' }, 'in_progress', 'shipped', {}],
    ['a plain row replaced', undefined, { fromStatus: 'planned' }, 'planned', 'in_progress', {}],
    [
      'a reopening of what they were never told',
      { back: 'reopened' },
      undefined,
      'under_review',
      'in_progress',
      {},
    ],
  ])('%s', (_name, change, replaced, fromStatus, to, expected) => {
    expect(carriedBackNews(change, replaced, fromStatus, to)).toEqual(expected);
  });
});

describe('backWording', () => {
  it.each<[string, BackNews, FeatureStatus | undefined, FeatureStatus, ReturnType<typeof backWording>]>([
    ['no news: the status’s own message', {}, 'shipped', 'in_progress', undefined],
    ['shipped, then reopened', { back: 'reopened' }, 'shipped', 'in_progress', 'reopened'],
    ['declined, then reopened', { back: 'reopened' }, 'declined', 'under_review', 'reopened'],
    ['being built, then planned again', { back: 'reopened' }, 'in_progress', 'planned', 'moved_back'],
    ['a plan taken back reads as a decline', { back: 'reopened' }, 'planned', 'declined', undefined],
    ['an unmerge names the feature', { back: 'unmerged', unmergedFrom }, 'merged', 'planned', 'unmerged'],
    [
      'an unmerge to declined still says so',
      { back: 'unmerged', unmergedFrom },
      'merged',
      'declined',
      'unmerged',
    ],
    [
      'an unmerge of another feature: moved back',
      { back: 'unmerged' },
      'in_progress',
      'planned',
      'moved_back',
    ],
    [
      'issues an unmerge took from a shipped feature',
      { back: 'unmerged' },
      'shipped',
      'planned',
      'moved_back',
    ],
  ])('%s', (_name, news, fromStatus, status, expected) => {
    expect(backWording(news, fromStatus, status)).toBe(expected);
  });
});

describe('backIsNews: told whatever the status', () => {
  it.each<[string, BackNews, FeatureStatus, FeatureStatus, boolean]>([
    ['shipped, then back to review', { back: 'reopened' }, 'shipped', 'under_review', true],
    ['declined, then back to review', { back: 'reopened' }, 'declined', 'under_review', true],
    ['an unmerge back to review', { back: 'unmerged', unmergedFrom }, 'merged', 'under_review', true],
    [
      'being built, then back to review: triage churn',
      { back: 'reopened' },
      'in_progress',
      'under_review',
      false,
    ],
    ['no step back', {}, 'shipped', 'under_review', false],
  ])('%s', (_name, news, fromStatus, status, expected) => {
    expect(backIsNews(news, fromStatus, status)).toBe(expected);
  });
});

const message = (over: Partial<StatusMessageInput>): StatusMessageInput => ({
  productName: 'Acme',
  requester: { name: 'Ada', email: 'ada@example.com' },
  feature: { title: 'Night <i>theme</i>' },
  status: 'in_progress',
  request: { title: 'Please add a dark theme', body: 'My eyes hurt.', receivedAt: '2026-03-03T10:00:00Z' },
  links: {
    statusPage: 'https://s/r/S',
    unsubscribe: 'https://s/unsubscribe/U',
    oneClickUnsubscribe: 'https://s/unsubscribe/U/one-click',
  },
  ...over,
});

describe('the words of a step back', () => {
  it('a reopened feature says so, and what it is again', () => {
    const m = renderStatusMessage(message({ back: 'reopened' }));
    expect(m.subject).toBe(
      'Acme: your request “Please add a dark theme” was reopened — it is being built again',
    );
    expect(m.text).toContain('“Night <i>theme</i>” was reopened: it is being built again.');
    expect(m.html).toContain('“Night &lt;i&gt;theme&lt;/i&gt;” was reopened: it is being built again');
    expect(m.html).not.toContain('<i>theme');
  });

  it('a feature moved back says it is planned again', () => {
    const m = renderStatusMessage(message({ status: 'planned', back: 'moved_back' }));
    expect(m.subject).toBe('Acme: your request “Please add a dark theme” is planned again');
    expect(m.text).toContain('moved back: it is planned again.');
  });

  it('an unmerge names the feature it is no longer merged into, escaped', () => {
    const m = renderStatusMessage(message({ status: 'planned', back: 'unmerged', unmergedFrom }));
    expect(m.subject).toBe(
      'Acme: your request “Please add a dark theme” is no longer merged into “Dark <b>mode</b>”',
    );
    expect(m.text).toContain('is no longer merged into “Dark <b>mode</b>”: it is planned.');
    expect(m.html).toContain('no longer merged into “Dark &lt;b&gt;mode&lt;/b&gt;”: it is planned');
    expect(m.html).not.toContain('<b>mode');
  });

  it('the status’s configured template does not word a step back', () => {
    const templates = mailTemplatesSchema.parse({ in_progress: { subject: 'Good news: {{status}}' } });
    expect(renderStatusMessage(message({}), templates).subject).toBe('Good news: being built');
    expect(renderStatusMessage(message({ back: 'reopened' }), templates).subject).toContain('was reopened');
  });

  it('a digest lists it in the same words', () => {
    const m = renderDigestMessage({
      productName: 'Acme',
      requester: { name: 'Ada', email: 'ada@example.com' },
      items: [
        { ...message({ back: 'reopened' }), statusPage: 'https://s/r/A' },
        { ...message({ status: 'planned', back: 'unmerged', unmergedFrom }), statusPage: 'https://s/r/B' },
      ],
      links: {
        unsubscribe: 'https://s/unsubscribe/U',
        oneClickUnsubscribe: 'https://s/unsubscribe/U/one-click',
      },
    });
    expect(m.text).toContain('“Night <i>theme</i>”: reopened — being built again');
    expect(m.text).toContain('no longer merged into “Dark <b>mode</b>” — planned');
    expect(m.html).toContain('no longer merged into “Dark &lt;b&gt;mode&lt;/b&gt;” — planned');
  });

  it('a reply in the thread says it too', () => {
    const text = renderSourceReply({
      productName: 'Acme',
      feature: { title: 'Night theme' },
      status: 'planned',
      back: 'unmerged',
      unmergedFrom,
      messageId: '<abc@s>',
    });
    expect(text).toContain('Status: no longer merged into “Dark <b>mode</b>” — planned');
  });
});
