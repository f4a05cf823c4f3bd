import { describe, expect, it } from 'vitest';
import { digestKey, nextDigestAt } from './digest-time.ts';

describe('nextDigestAt', () => {
  it.each([
    ['2026-01-01T08:30:00Z', 9, '2026-01-01T09:00:00.000Z'],
    ['2026-01-01T09:00:00Z', 9, '2026-01-01T09:00:00.000Z'],
    ['2026-01-01T09:00:01Z', 9, '2026-01-02T09:00:00.000Z'],
    ['2026-12-31T23:59:00Z', 0, '2027-01-01T00:00:00.000Z'],
  ])('after %s at hour %i is %s', (after, hour, expected) => {
    expect(nextDigestAt(new Date(after), hour).toISOString()).toBe(expected);
  });
  it('keys a digest by its hour', () => {
    expect(digestKey(new Date('2026-01-02T09:00:00Z'))).toBe('20260102T09');
  });
});
