import {
  CUSTOMER_BATCH_SIZE,
  type CustomerField,
  customerFieldDocuments,
  customerFieldParts,
  type MutationDocument,
} from './customers.ts';
import { CREATED_ISSUE_FIELDS } from './documents.ts';

/**
 * The mutation documents of one push: the issue's own write first, then its customer requests, in one HTTP call
 * where they fit. A GraphQL document may hold several mutation fields, which run one after another in order
 * (https://spec.graphql.org/October2021/#sec-Mutation), so the customers are upserted before the needs naming them
 * and the issue exists before its attachment and needs. Each payload is non-null in Linear's schema: a field that
 * fails stops the fields after it, and the answer is an error. Pure: builds documents, sends nothing.
 */

/** A field of the document besides the customer fields: its arguments become variables `$<alias><Arg>`. */
interface LeadField {
  alias: string;
  field: string;
  args: ReadonlyArray<{ name: string; type: string; value: unknown }>;
  selection: string;
}

const variableName = (alias: string, arg: string) => `${alias}${arg[0]?.toUpperCase()}${arg.slice(1)}`;

/**
 * The lead fields and the first `size` customer fields in one document named `name`; the customer fields left over
 * in documents of their own (`customerRequests`).
 */
function pushDocuments(
  name: string,
  lead: readonly LeadField[],
  customers: readonly CustomerField[],
  size: number,
): MutationDocument[] {
  if (lead.length === 0) return customerFieldDocuments(customers, size);
  const first = customerFieldParts(customers.slice(0, size));
  const params = lead.flatMap((f) => f.args.map((a) => `$${variableName(f.alias, a.name)}: ${a.type}`));
  const body = lead.map((f) => {
    const args = f.args.map((a) => `${a.name}: $${variableName(f.alias, a.name)}`).join(', ');
    const head = f.alias === f.field ? f.field : `${f.alias}: ${f.field}`;
    return `  ${head}(${args}) { ${f.selection} }`;
  });
  const variables: Record<string, unknown> = { ...first.variables };
  for (const f of lead) for (const a of f.args) variables[variableName(f.alias, a.name)] = a.value;
  return [
    {
      query: `mutation ${name}(${[...params, ...first.params].join(', ')}) {\n${[...body, ...first.body].join('\n')}\n}`,
      variables,
    },
    ...customerFieldDocuments(customers.slice(size), size),
  ];
}

/**
 * The create of an issue with everything it starts with: `issueCreate` (answering the issue's first state), the
 * attachment linking back to the feature (its metadata the link's mark), then the customer requests.
 * https://linear.app/developers/graphql (Mutation.issueCreate, attachmentCreate, customerUpsert, customerNeedCreate)
 */
export function createIssueDocuments(
  issue: Record<string, unknown>,
  linkBack: Record<string, unknown>,
  customers: readonly CustomerField[],
  size: number = CUSTOMER_BATCH_SIZE,
): MutationDocument[] {
  const lead: LeadField[] = [
    {
      alias: 'issueCreate',
      field: 'issueCreate',
      args: [{ name: 'input', type: 'IssueCreateInput!', value: issue }],
      selection: `success issue { ${CREATED_ISSUE_FIELDS} }`,
    },
    {
      alias: 'linkBack',
      field: 'attachmentCreate',
      args: [{ name: 'input', type: 'AttachmentCreateInput!', value: linkBack }],
      selection: 'success',
    },
  ];
  return pushDocuments('createIssue', lead, customers, size);
}

/** The update of an issue (when `patch` changes anything) and the customer requests it gains. */
export function updateIssueDocuments(
  issueId: string,
  patch: Record<string, unknown> | undefined,
  customers: readonly CustomerField[],
  size: number = CUSTOMER_BATCH_SIZE,
): MutationDocument[] {
  const lead: LeadField[] = patch
    ? [
        {
          alias: 'issueUpdate',
          field: 'issueUpdate',
          args: [
            { name: 'id', type: 'String!', value: issueId },
            { name: 'input', type: 'IssueUpdateInput!', value: patch },
          ],
          selection: 'success',
        },
      ]
    : [];
  return pushDocuments('updateIssue', lead, customers, size);
}
