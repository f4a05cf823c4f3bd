import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLSchema } from 'graphql';

/** The emulator's subset of Linear's schema (schema.graphql beside this file). */
export function loadLinearSchema(): GraphQLSchema {
  return buildSchema(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));
}
