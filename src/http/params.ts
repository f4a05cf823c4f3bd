import { isUuid } from '../domain/ids.ts';
import { HttpProblem } from './problem.ts';

/** A feature id from the path: anything but a UUID names no feature (404, never a database error). */
export function featureIdParam(raw: unknown): string {
  const id = String(raw);
  if (!isUuid(id)) throw new HttpProblem(404, 'not-found', 'Not found', `no feature with id ${id}`);
  return id;
}
