/** A time as the console's pages write it: to the minute, in UTC, and saying so. */
export function formatTime(at: string | Date | null | undefined): string {
  if (!at) return '';
  const iso = (typeof at === 'string' ? new Date(at) : at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
