import { describe, expect, it } from 'vitest';
import type { IntakeItem } from '../connectors/intake-source.ts';
import { checkIntakeItem, firstLine } from './intake-item.ts';

const item = (overrides: Partial<IntakeItem> = {}): IntakeItem => ({
  ref: '42',
  title: 'Dark mode',
  body: 'Please.',
  requester: { email: 'ada@acme.io' },
  receivedAt: '2026-01-01T00:00:00Z',
  ...overrides,
});

describe('checkIntakeItem', () => {
  it.each([
    ['an empty title', { title: '  ' }, 'title: title is empty'],
    ['a bad email', { requester: { email: 'nope' } }, 'requester.email: email must be a valid email address'],
    ['an empty ref', { ref: '' }, 'ref: ref is empty'],
    ['a bad time', { receivedAt: 'yesterday' }, 'receivedAt: receivedAt is not an ISO time'],
    ['a non-http url', { url: 'ftp://x.io/1' }, 'url: url is not an http(s) URL'],
  ] as Array<[string, Partial<IntakeItem>, string]>)('refuses %s', (_what, overrides, reason) => {
    const ref = 'ref' in overrides ? overrides.ref : '42';
    expect(checkIntakeItem(item(overrides))).toEqual({ ok: false, ref, reason });
  });

  it('cuts an overlong title and body instead of refusing them, and folds whitespace in the title', () => {
    const verdict = checkIntakeItem(
      item({ title: `Dark\n\nmode ${'x'.repeat(400)}`, body: 'y'.repeat(30_000) }),
    );
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.item.title).toHaveLength(300);
    expect(verdict.item.title.startsWith('Dark mode x')).toBe(true);
    expect(verdict.item.body).toHaveLength(20_000);
  });

  it('takes NUL characters out of every string instead of refusing the item', () => {
    const verdict = checkIntakeItem(
      item({
        title: 'Dark\u0000 mode',
        body: 'Please\u0000.',
        requester: { email: 'ada@acme.io', name: 'Ada\u0000' },
        tags: ['ui\u0000'],
        thread: { ticket: 'T\u00001', nested: { 'k\u0000': ['v\u0000'] } },
      }),
    );
    expect(verdict).toMatchObject({
      ok: true,
      item: {
        title: 'Dark mode',
        body: 'Please.',
        requester: { name: 'Ada' },
        tags: ['ui'],
        thread: { ticket: 'T1', nested: { k: ['v'] } },
      },
    });
  });

  it('cuts a long title between characters, never through an emoji', () => {
    const verdict = checkIntakeItem(item({ title: `a${'😀'.repeat(200)}` }));
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.item.title.length).toBeLessThanOrEqual(300);
    expect(verdict.item.title.endsWith('😀…')).toBe(true);
    expect(verdict.item.title.isWellFormed()).toBe(true);
  });

  it('drops tags it cannot keep rather than the item', () => {
    const verdict = checkIntakeItem(item({ tags: ['ok', ' ', 'x'.repeat(51)] }));
    expect(verdict).toMatchObject({ ok: true, item: { tags: ['ok'] } });
  });
});

describe('firstLine', () => {
  it.each([
    ['Dark mode\nfor the dashboard', 'Dark mode'],
    ['\n\n   \n  Dark mode  \nmore', 'Dark mode'],
    ['\r\n\r\nCSV export\r\nplease', 'CSV export'],
    ['old Mac line\rnext', 'old Mac line'],
    ['', ''],
    [' \n\t\n ', ''],
  ])('%j → %j', (text, expected) => {
    expect(firstLine(text)).toBe(expected);
  });
});
