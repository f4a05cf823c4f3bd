import { loadLinearSchema } from '@suggested-sync/emulators/linear/schema';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { CustomerRequest } from '../tracker.ts';
import { customerRequestFields } from './customers.ts';
import { createIssueDocuments, updateIssueDocuments } from './push-documents.ts';

const ISSUE = '11111111-1111-4111-8111-111111111111';
const schema = loadLinearSchema();
const requests = (n: number): CustomerRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    requestId: `r${i}`,
    text: `request ${i}`,
    url: `https://suggested.example/requests/r${i}`,
    company: { id: `c${i % 2}`, name: `Company ${i % 2}`, domains: [], revenue: null, tier: null },
  }));
/** The root fields of a document, in order, as `alias:field`. */
const rootFields = (query: string) =>
  [...query.matchAll(/^ {2}(?:(\w+): )?(\w+)\(/gm)].map((m) => (m[1] ? `${m[1]}:${m[2]}` : (m[2] ?? '')));

describe('createIssueDocuments', () => {
  it('one document: the issue, its link back, the customers, then the needs; valid against the schema', () => {
    const fields = customerRequestFields(ISSUE, requests(3), new Set());
    const docs = createIssueDocuments({ id: ISSUE, teamId: 't' }, { issueId: ISSUE, url: 'u' }, fields);
    expect(docs).toHaveLength(1);
    const [doc] = docs;
    expect(rootFields(doc?.query ?? '')).toEqual([
      'issueCreate',
      'linkBack:attachmentCreate',
      'm0:customerUpsert',
      'm1:customerUpsert',
      'm2:customerNeedCreate',
      'm3:customerNeedCreate',
      'm4:customerNeedCreate',
    ]);
    expect(doc?.query).toMatch(/^mutation createIssue\(/);
    expect(doc?.query).toContain('issue { id identifier url updatedAt state { name type } }');
    expect(doc?.variables['issueCreateInput']).toEqual({ id: ISSUE, teamId: 't' });
    expect(doc?.variables['linkBackInput']).toEqual({ issueId: ISSUE, url: 'u' });
    expect(doc?.variables['m2']).toMatchObject({ issueId: ISSUE, body: 'request 0' });
    expect(validate(schema, parse(doc?.query ?? ''))).toEqual([]);
  });

  it('customer fields past a batch go in documents of their own', () => {
    const fields = customerRequestFields(ISSUE, requests(8), new Set());
    const docs = createIssueDocuments({ id: ISSUE }, { issueId: ISSUE }, fields, 4);
    expect(docs.map((d) => rootFields(d.query).length)).toEqual([6, 4, 2]);
    expect(docs.slice(1).every((d) => d.query.startsWith('mutation customerRequests('))).toBe(true);
    for (const doc of docs) expect(validate(schema, parse(doc.query))).toEqual([]);
  });
});

describe('updateIssueDocuments', () => {
  it('the update first, then the customer fields; without a patch only the customer fields', () => {
    const fields = customerRequestFields(ISSUE, requests(2), new Set());
    const [doc] = updateIssueDocuments(ISSUE, { description: 'd' }, fields);
    expect(rootFields(doc?.query ?? '')).toEqual([
      'issueUpdate',
      'm0:customerUpsert',
      'm1:customerUpsert',
      'm2:customerNeedCreate',
      'm3:customerNeedCreate',
    ]);
    expect(doc?.query).toMatch(/^mutation updateIssue\(/);
    expect(doc?.variables).toMatchObject({ issueUpdateId: ISSUE, issueUpdateInput: { description: 'd' } });
    expect(validate(schema, parse(doc?.query ?? ''))).toEqual([]);

    const only = updateIssueDocuments(ISSUE, undefined, fields);
    expect(only.map((d) => rootFields(d.query))).toEqual([
      ['m0:customerUpsert', 'm1:customerUpsert', 'm2:customerNeedCreate', 'm3:customerNeedCreate'],
    ]);
    expect(updateIssueDocuments(ISSUE, undefined, [])).toEqual([]);
  });
});
