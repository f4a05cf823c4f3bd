import { DrizzleQueryError } from 'drizzle-orm/errors';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isTransientDatabaseError } from './transient-error.ts';

/** A server error as node-postgres builds it: the SQLSTATE in `code`. */
function serverError(code: string, message: string): Error {
  const err = new pg.DatabaseError(message, message.length, 'error');
  err.code = code;
  return err;
}
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });

describe('isTransientDatabaseError', () => {
  const cases: [string, unknown, boolean][] = [
    [
      'terminated by an operator (57P01)',
      serverError('57P01', 'terminating connection due to administrator command'),
      true,
    ],
    [
      'crash of another backend (57P02)',
      serverError('57P02', 'terminating connection because of crash of another server process'),
      true,
    ],
    ['server starting up (57P03)', serverError('57P03', 'the database system is starting up'), true],
    ['too many clients (53300)', serverError('53300', 'sorry, too many clients already'), true],
    ['connection failure (08006)', serverError('08006', 'connection failure'), true],
    ['unable to connect (08001)', serverError('08001', 'could not connect to server'), true],
    [
      'database closed to connections (55000)',
      serverError('55000', 'database "x" is not currently accepting connections'),
      true,
    ],
    ['server down (ECONNREFUSED)', socketError('ECONNREFUSED'), true],
    ['reset (ECONNRESET)', socketError('ECONNRESET'), true],
    ['DNS for now (EAI_AGAIN)', socketError('EAI_AGAIN'), true],
    ['socket closed under a query', new Error('Connection terminated unexpectedly'), true],
    [
      'a client already dead',
      new Error('Client has encountered a connection error and is not queryable'),
      true,
    ],
    ['pool wait timed out', new Error('timeout exceeded when trying to connect'), true],
    [
      'every address refused',
      new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')]),
      true,
    ],
    [
      'wrapped by Drizzle',
      new DrizzleQueryError('select 1', [], serverError('57P01', 'terminating connection')),
      true,
    ],
    ['bad password (28P01)', serverError('28P01', 'password authentication failed for user "x"'), false],
    ['no such role (28000)', serverError('28000', 'role "x" does not exist'), false],
    ['no such database (3D000)', serverError('3D000', 'database "x" does not exist'), false],
    ['migration SQL error (42601)', serverError('42601', 'syntax error at or near "tabel"'), false],
    ['migration on a missing table (42P01)', serverError('42P01', 'relation "x" does not exist'), false],
    ['another 55000', serverError('55000', 'cannot refresh materialized view concurrently'), false],
    [
      'wrapped real error',
      new DrizzleQueryError('create tabel', [], serverError('42601', 'syntax error')),
      false,
    ],
    ['unknown host (ENOTFOUND: a wrong DATABASE_URL)', socketError('ENOTFOUND'), false],
    ['a plain bug', new TypeError('x is undefined'), false],
    ['not an error', 'Connection terminated', false],
    ['nothing', undefined, false],
  ];
  it.each(cases)('%s → %s', (_name, err, transient) => {
    expect(isTransientDatabaseError(err)).toBe(transient);
  });

  it('stops on a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isTransientDatabaseError(a)).toBe(false);
  });
});
