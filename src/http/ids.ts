const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in paths are UUIDs; anything else is a 404 without a database round trip (and without a cast error). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
