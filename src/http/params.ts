import { z } from 'zod';

/**
 * A path id: anything but a UUID names no `what` (404 with this message, never a database error). Any UUID
 * version is taken, as ids from trackers and older rows may be any.
 */
export function pathId(what: string) {
  return z.guid({ error: (issue) => `no ${what} with id ${String(issue.input)}` });
}

export const featureId = pathId('feature');
