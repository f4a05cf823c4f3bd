import type { CustomerRequest } from '../tracker.ts';
import { needIdFor } from './map.ts';
import { linearSpec } from './spec.ts';

/**
 * Customer requests as Linear customers and customer needs, batched. The SDK sends one mutation per HTTP call; a
 * GraphQL document may hold many aliased mutation fields, which run in order (GraphQL executes mutation fields
 * serially: https://spec.graphql.org/October2021/#sec-Mutation), so one call upserts the customers and then adds
 * the needs that name them. Pure: builds documents, sends nothing.
 * https://linear.app/docs/customer-requests (customerUpsert, customerNeedCreate)
 */

/** Mutation fields per HTTP call: small enough to stay far below Linear's per-query complexity limit. */
export const CUSTOMER_BATCH_SIZE = linearSpec.pageSize.customerBatch;

/** GraphQL `Int` is 32-bit; `Customer.revenue` is an Int of whole dollars. */
const MAX_INT = 2_147_483_647;

/** A GraphQL document and its variables (`V`: what each variable holds). */
export interface MutationDocument<V = unknown> {
  query: string;
  variables: Record<string, V>;
}

type Company = NonNullable<CustomerRequest['company']>;

/** `CustomerUpsertInput`: matched on `externalId` (our company id), else on `domains`. */
export function customerUpsertInput(company: Company): Record<string, unknown> {
  const domains = [...new Set(company.domains.map((d) => d.trim().toLowerCase()).filter(Boolean))];
  const revenue =
    company.revenue !== null && Number.isFinite(company.revenue) && company.revenue >= 0
      ? Math.min(Math.round(company.revenue), MAX_INT)
      : undefined;
  return {
    externalId: company.id,
    // Linear requires a name to create a customer.
    name: company.name?.trim() || domains[0] || company.id,
    ...(domains.length > 0 ? { domains } : {}),
    ...(revenue !== undefined ? { revenue } : {}),
    ...(company.tier?.trim() ? { tierName: company.tier.trim() } : {}),
  };
}

/** `CustomerNeedCreateInput` with a deterministic `id`, so a retried batch cannot add the same need twice. */
export function customerNeedInput(issueId: string, request: CustomerRequest): Record<string, unknown> {
  return {
    id: needIdFor(issueId, request.requestId),
    issueId,
    ...(request.text ? { body: request.text } : {}),
    ...(/^https?:\/\//i.test(request.url) ? { attachmentUrl: request.url } : {}),
    ...(request.company ? { customerExternalId: request.company.id } : {}),
  };
}

/** The need ids a batch would create, so the caller can ask Linear which already exist. */
export function plannedNeedIds(issueId: string, requests: readonly CustomerRequest[]): string[] {
  return [...new Set(requests.map((r) => needIdFor(issueId, r.requestId)))];
}

/** One customer mutation field of a batch: `customerUpsert` or `customerNeedCreate` with its input. */
export interface CustomerField {
  field: 'customerUpsert' | 'customerNeedCreate';
  type: 'CustomerUpsertInput' | 'CustomerNeedCreateInput';
  input: Record<string, unknown>;
}

/**
 * The fields for the requests whose needs do not exist yet: each distinct company upserted once (before any need
 * naming it), then one need per distinct request.
 */
export function customerRequestFields(
  issueId: string,
  requests: readonly CustomerRequest[],
  existingNeedIds: ReadonlySet<string>,
): CustomerField[] {
  const fresh = new Map<string, CustomerRequest>();
  for (const r of requests) {
    const id = needIdFor(issueId, r.requestId);
    if (!existingNeedIds.has(id) && !fresh.has(id)) fresh.set(id, r);
  }
  const companies = new Map<string, Company>();
  for (const r of fresh.values())
    if (r.company && !companies.has(r.company.id)) companies.set(r.company.id, r.company);
  return [
    ...[...companies.values()].map((c) => ({
      field: 'customerUpsert' as const,
      type: 'CustomerUpsertInput' as const,
      input: customerUpsertInput(c),
    })),
    ...[...fresh.values()].map((r) => ({
      field: 'customerNeedCreate' as const,
      type: 'CustomerNeedCreateInput' as const,
      input: customerNeedInput(issueId, r),
    })),
  ];
}

/**
 * Customer fields as aliased mutations `m0`, `m1`, …: the document's parameters, its fields and their variables, for
 * a document of their own or one that starts with other mutations.
 */
export function customerFieldParts(fields: readonly CustomerField[]) {
  return {
    params: fields.map((f, i) => `$m${i}: ${f.type}!`),
    body: fields.map((f, i) => `  m${i}: ${f.field}(input: $m${i}) { success }`),
    variables: Object.fromEntries(fields.map((f, i) => [`m${i}`, f.input])),
  };
}

/** Customer fields as aliased mutations `m0`, `m1`, … of one document named `name`. */
export function customerFieldsDocument(
  name: string,
  fields: readonly CustomerField[],
): MutationDocument<Record<string, unknown>> {
  const { params, body, variables } = customerFieldParts(fields);
  return { query: `mutation ${name}(${params.join(', ')}) {\n${body.join('\n')}\n}`, variables };
}

/** Customer fields in documents of their own, `size` fields per document. */
export function customerFieldDocuments(
  fields: readonly CustomerField[],
  size: number = CUSTOMER_BATCH_SIZE,
): MutationDocument<Record<string, unknown>>[] {
  const documents: MutationDocument<Record<string, unknown>>[] = [];
  for (let start = 0; start < fields.length; start += size) {
    documents.push(customerFieldsDocument('customerRequests', fields.slice(start, start + size)));
  }
  return documents;
}

/** Documents for the requests whose needs do not exist yet, `size` fields per document. */
export function customerRequestDocuments(
  issueId: string,
  requests: readonly CustomerRequest[],
  existingNeedIds: ReadonlySet<string>,
  size: number = CUSTOMER_BATCH_SIZE,
): MutationDocument<Record<string, unknown>>[] {
  return customerFieldDocuments(customerRequestFields(issueId, requests, existingNeedIds), size);
}

/**
 * Documents that empty the customer needs of an erased requester: the body cleared and the attachment (the link to
 * their ticket or message) removed, the need itself kept so the issue's customer count stays right.
 * https://linear.app/developers/graphql (Mutation.customerNeedUpdate: `clearAttachment`, `body` null clears)
 */
export function customerNeedEraseDocuments(
  needIds: readonly string[],
  size: number = CUSTOMER_BATCH_SIZE,
): Array<{ query: string; variables: Record<string, unknown> }> {
  const documents: Array<{ query: string; variables: Record<string, unknown> }> = [];
  const unique = [...new Set(needIds)];
  for (let start = 0; start < unique.length; start += size) {
    const chunk = unique.slice(start, start + size);
    const params = chunk.map((_, i) => `$id${i}: String!`).join(', ');
    const body = chunk
      .map(
        (_, i) =>
          `  m${i}: customerNeedUpdate(id: $id${i}, input: { body: null }, clearAttachment: true) { success }`,
      )
      .join('\n');
    documents.push({
      query: `mutation eraseCustomerRequests(${params}) {\n${body}\n}`,
      variables: Object.fromEntries(chunk.map((id, i) => [`id${i}`, id])),
    });
  }
  return documents;
}

/**
 * Documents that move customer needs, keeping their ids, to the issue `to` (their attachment goes with them), or
 * delete them (with their attachment) when `to` is undefined.
 * https://linear.app/developers/graphql (Mutation.customerNeedUpdate: `input.issueId`; Mutation.customerNeedDelete)
 */
export function customerNeedMoveDocuments(
  needIds: readonly string[],
  to: string | undefined,
  size: number = CUSTOMER_BATCH_SIZE,
): Array<{ query: string; variables: Record<string, unknown> }> {
  const documents: Array<{ query: string; variables: Record<string, unknown> }> = [];
  const unique = [...new Set(needIds)];
  for (let start = 0; start < unique.length; start += size) {
    const chunk = unique.slice(start, start + size);
    const params = [...(to ? ['$to: String!'] : []), ...chunk.map((_, i) => `$id${i}: String!`)].join(', ');
    const body = chunk
      .map((_, i) =>
        to
          ? `  m${i}: customerNeedUpdate(id: $id${i}, input: { issueId: $to }) { success }`
          : `  m${i}: customerNeedDelete(id: $id${i}) { success }`,
      )
      .join('\n');
    documents.push({
      query: `mutation ${to ? 'moveCustomerRequests' : 'deleteCustomerRequests'}(${params}) {\n${body}\n}`,
      variables: { ...(to ? { to } : {}), ...Object.fromEntries(chunk.map((id, i) => [`id${i}`, id])) },
    });
  }
  return documents;
}
