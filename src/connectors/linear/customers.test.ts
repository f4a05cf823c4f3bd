import { loadLinearSchema } from '@suggested-sync/emulators/linear/schema';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { CustomerRequest } from '../tracker.ts';
import {
  customerNeedEraseDocuments,
  customerNeedInput,
  customerRequestDocuments,
  customerUpsertInput,
  plannedNeedIds,
} from './customers.ts';
import { needIdFor } from './map.ts';

const ISSUE = '11111111-1111-4111-8111-111111111111';
const company = (id: string, over: Partial<NonNullable<CustomerRequest['company']>> = {}) => ({
  id,
  name: `Company ${id}`,
  domains: [`${id}.example`],
  revenue: 1000,
  tier: 'Enterprise',
  ...over,
});
const req = (n: number, c: CustomerRequest['company']): CustomerRequest => ({
  requestId: `r${n}`,
  text: `request ${n}`,
  url: `https://suggested.example/requests/r${n}`,
  company: c,
});
/** The mutation fields of a document, in order: `customerUpsert` / `customerNeedCreate`. */
const fieldsOf = (query: string) => [...query.matchAll(/m\d+: (\w+)\(/g)].map((m) => m[1]);

describe('customerUpsertInput', () => {
  it.each([
    {
      name: 'all fields',
      c: company('acme'),
      out: {
        externalId: 'acme',
        name: 'Company acme',
        domains: ['acme.example'],
        revenue: 1000,
        tierName: 'Enterprise',
      },
    },
    { name: 'revenue rounded to an Int', c: company('a', { revenue: 1234.6 }), out: { revenue: 1235 } },
    {
      name: 'revenue above GraphQL Int clamped',
      c: company('a', { revenue: 5e12 }),
      out: { revenue: 2_147_483_647 },
    },
    {
      name: 'no name: first domain',
      c: company('a', { name: null, domains: [' A.Example ', 'b.example'] }),
      out: { name: 'a.example', domains: ['a.example', 'b.example'] },
    },
    { name: 'no name, no domain: our id', c: company('a', { name: '  ', domains: [] }), out: { name: 'a' } },
  ])('$name', ({ c, out }) => {
    expect(customerUpsertInput(c)).toMatchObject(out);
  });

  it('leaves out what is unknown rather than clearing it', () => {
    const input = customerUpsertInput(company('a', { revenue: null, tier: null, domains: [] }));
    expect(Object.keys(input).sort()).toEqual(['externalId', 'name']);
    expect(customerUpsertInput(company('a', { revenue: -5 }))).not.toHaveProperty('revenue');
  });
});

describe('customerNeedInput', () => {
  it('has a deterministic id, names the customer by our id, links the request', () => {
    expect(customerNeedInput(ISSUE, req(1, company('acme')))).toEqual({
      id: needIdFor(ISSUE, 'r1'),
      issueId: ISSUE,
      body: 'request 1',
      attachmentUrl: 'https://suggested.example/requests/r1',
      customerExternalId: 'acme',
    });
  });

  it('without a company names no customer; a non-http url is not an attachment', () => {
    const input = customerNeedInput(ISSUE, { ...req(2, null), url: 'mailto:x@y.z' });
    expect(input).not.toHaveProperty('customerExternalId');
    expect(input).not.toHaveProperty('attachmentUrl');
  });
});

describe('customerRequestDocuments', () => {
  const companies = [1, 2, 3, 4, 5].map((n) => company(`c${n}`));
  const thirty = Array.from({ length: 30 }, (_, i) => req(i, companies[i % 5] ?? null));

  it('30 requests from 5 companies: 5 upserts first, then 30 needs, in 2 documents of at most 25 fields', () => {
    const docs = customerRequestDocuments(ISSUE, thirty, new Set());
    expect(docs).toHaveLength(2);
    const fields = docs.flatMap((d) => fieldsOf(d.query));
    expect(fields.slice(0, 5)).toEqual(Array(5).fill('customerUpsert'));
    expect(fields.slice(5)).toEqual(Array(30).fill('customerNeedCreate'));
    expect(docs.map((d) => fieldsOf(d.query).length)).toEqual([25, 10]);
    expect(docs[0]?.variables['m0']).toEqual(customerUpsertInput(companies[0] ?? company('x')));
  });

  it('every document is valid against Linear’s schema (as the emulator holds it)', () => {
    const schema = loadLinearSchema();
    for (const doc of customerRequestDocuments(ISSUE, thirty, new Set(), 7)) {
      expect(validate(schema, parse(doc.query))).toEqual([]);
    }
  });

  it('skips needs that exist and the companies only they named; repeats within the batch count once', () => {
    const done = new Set(plannedNeedIds(ISSUE, thirty.slice(0, 28)));
    const docs = customerRequestDocuments(ISSUE, [...thirty, thirty[29] as CustomerRequest], done);
    expect(docs).toHaveLength(1);
    const fields = fieldsOf(docs[0]?.query ?? '');
    expect(fields).toEqual(['customerUpsert', 'customerUpsert', 'customerNeedCreate', 'customerNeedCreate']);
    expect(Object.values(docs[0]?.variables ?? {}).map((v) => v['externalId'] ?? v['id'])).toEqual([
      'c4',
      'c5',
      needIdFor(ISSUE, 'r28'),
      needIdFor(ISSUE, 'r29'),
    ]);
    expect(customerRequestDocuments(ISSUE, thirty, new Set(plannedNeedIds(ISSUE, thirty)))).toEqual([]);
  });
});

describe('customerNeedEraseDocuments', () => {
  it('clears body and attachment of each need once, in batches, valid against the schema', () => {
    const ids = Array.from({ length: 30 }, (_, i) => needIdFor(ISSUE, `r${i}`));
    const docs = customerNeedEraseDocuments([...ids, ids[0] as string], 25);
    expect(docs.map((d) => Object.keys(d.variables).length)).toEqual([25, 5]);
    expect(docs.flatMap((d) => Object.values(d.variables))).toEqual(ids);
    expect(docs[0]?.query).toContain(
      'customerNeedUpdate(id: $id0, input: { body: null }, clearAttachment: true)',
    );
    const schema = loadLinearSchema();
    for (const doc of docs) expect(validate(schema, parse(doc.query))).toEqual([]);
    expect(customerNeedEraseDocuments([])).toEqual([]);
  });
});
