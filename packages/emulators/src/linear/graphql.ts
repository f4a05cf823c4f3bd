import {
  type DocumentNode,
  execute,
  type GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  type OperationDefinitionNode,
  parse,
  validate,
} from 'graphql';
import { graphqlError, internalError, invalidInput, LinearApiError, type LinearErrorBody } from './errors.ts';
import { FilterError } from './filters.ts';

/** One answered POST /graphql: HTTP status, JSON body, and the operation name for the call log. */
export interface GraphqlOutcome {
  status: number;
  body: { data?: unknown; errors?: LinearErrorBody[] };
  operation: string;
}

interface GraphqlRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** The SDK sends no `operationName`; the operation is named in the document (`mutation createIssue(...)`). */
export function operationName(document: DocumentNode, requested?: string): string {
  const op = getOperationAST(document, requested) as OperationDefinitionNode | null;
  if (!op) return '(unknown)';
  if (op.name) return op.name.value;
  const first = op.selectionSet.selections[0];
  return first?.kind === 'Field' ? first.name.value : '(anonymous)';
}

function formatExecutionError(error: GraphQLError): LinearErrorBody {
  const where = {
    ...(error.path ? { path: error.path } : {}),
    ...(error.locations ? { locations: error.locations } : {}),
  };
  const original = error.originalError;
  if (original instanceof LinearApiError)
    return { message: original.message, ...where, extensions: original.linear };
  if (original instanceof FilterError) {
    const invalid = invalidInput(original.message);
    return { message: invalid.message, ...where, extensions: invalid.linear };
  }
  // Anything else is an emulator bug (a missing non-null field, a throw); say what, for whoever debugs it.
  return { ...internalError(`Internal server error: ${error.message}`), ...where };
}

/**
 * Parse, validate against the emulator's schema, execute. Parse and validation failures answer HTTP 400 with
 * Linear's "graphql error" shape; execution errors answer 200 with `errors` (and `data: null` when nothing
 * resolved), as Linear does; a success carries no `errors` key at all (the SDK treats any `errors` as failure).
 */
export function runGraphql(
  schema: GraphQLSchema,
  rootValue: unknown,
  request: GraphqlRequest,
): GraphqlOutcome {
  if (typeof request.query !== 'string' || request.query.trim() === '') {
    return {
      status: 400,
      body: { errors: [graphqlError('GraphQL operations must contain a non-empty `query`.', 'BAD_REQUEST')] },
      operation: '(none)',
    };
  }
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    const e = error as GraphQLError;
    return {
      status: 400,
      body: { errors: [graphqlError(e.message, 'GRAPHQL_PARSE_FAILED', e.locations)] },
      operation: '(unparsed)',
    };
  }
  const requested = typeof request.operationName === 'string' ? request.operationName : undefined;
  const operation = operationName(document, requested);
  const invalid = validate(schema, document);
  if (invalid.length > 0) {
    return {
      status: 400,
      body: { errors: invalid.map((e) => graphqlError(e.message, 'GRAPHQL_VALIDATION_FAILED', e.locations)) },
      operation,
    };
  }
  const variables =
    request.variables && typeof request.variables === 'object'
      ? (request.variables as Record<string, unknown>)
      : {};
  const result = execute({
    schema,
    document,
    rootValue,
    variableValues: variables,
    operationName: requested,
  });
  if (result instanceof Promise) throw new Error('the Linear emulator resolves synchronously');
  if (result.data === undefined) {
    // Variables that do not fit their declared types: nothing ran.
    const errors = (result.errors ?? []).map((e) => graphqlError(e.message, 'BAD_USER_INPUT', e.locations));
    return { status: 400, body: { errors }, operation };
  }
  if (!result.errors?.length) return { status: 200, body: { data: result.data }, operation };
  return {
    status: 200,
    body: { errors: result.errors.map((e) => formatExecutionError(e)), data: result.data },
    operation,
  };
}
