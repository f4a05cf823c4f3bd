const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID (any version): our ids, Linear's ids, and what a path id must look like. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
