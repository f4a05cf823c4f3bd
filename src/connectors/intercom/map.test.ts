import { describe, expect, it } from 'vitest';
import { companyRevenue, htmlToText, parseIntercomCursor } from './map.ts';

describe('companyRevenue', () => {
  it.each([
    [{ id: 'c', monthly_spend: 100 }, undefined, 1200],
    [{ id: 'c', monthly_spend: 99.99 }, undefined, 1199.88],
    [{ id: 'c', monthly_spend: 100, custom_attributes: { arr: 50000 } }, 'arr', 50000],
    [{ id: 'c', monthly_spend: 100, custom_attributes: { arr: '75000' } }, 'arr', 75000],
    [{ id: 'c', monthly_spend: 100, custom_attributes: { arr: 'lots' } }, 'arr', 1200],
    [{ id: 'c', monthly_spend: 0 }, 'arr', undefined],
    [{ id: 'c' }, undefined, undefined],
  ])('%j with attribute %s → %s', (company, attribute, revenue) => {
    expect(companyRevenue(company, attribute)).toBe(revenue);
  });
});

describe('htmlToText', () => {
  it.each([
    ['<p>One</p><p>Two &amp; three</p>', 'One\nTwo & three'],
    ['Line<br/>break', 'Line\nbreak'],
    ['<b>&lt;tag&gt;</b>&nbsp;x', '<tag> x'],
  ])('%s → %s', (html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});

describe('parseIntercomCursor', () => {
  it.each([
    [null, undefined],
    ['garbage', undefined],
    ['{"since":10}', { since: 10 }],
    ['{"since":10,"query":5,"after":"abc"}', { since: 10, query: 5, after: 'abc' }],
    ['{"since":10,"after":"abc"}', { since: 10 }],
  ])('%s → %j', (raw, cursor) => {
    expect(parseIntercomCursor(raw)).toEqual(cursor);
  });
});
