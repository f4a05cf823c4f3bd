/** Wall-clock times in an IANA time zone, as Jira reads a user's dates, with nothing but Intl. */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, found);
  }
  return found;
}

/** The zone's offset from UTC at that instant, in ms (New York in winter: -5 h). */
export function zoneOffsetMs(timeZone: string, instant: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) parts[part.type] = Number(part.value);
  const wall = Date.UTC(
    parts['year'] ?? 0,
    (parts['month'] ?? 1) - 1,
    parts['day'] ?? 1,
    parts['hour'] ?? 0,
    parts['minute'] ?? 0,
    parts['second'] ?? 0,
  );
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time names in the zone; `wall` is that time's fields as if in UTC (`Date.UTC(...)`).
 * As java.time resolves it (Jira runs on the JVM): in a DST overlap the earlier instant; in a DST gap the time is
 * moved later by the gap's length (02:30 on a spring-forward night in New York is 03:30 EDT).
 */
export function zonedTimeToEpoch(timeZone: string, wall: number): number {
  const before = zoneOffsetMs(timeZone, wall - DAY_MS);
  const after = zoneOffsetMs(timeZone, wall + DAY_MS);
  const valid = [wall - before, wall - after].filter((t) => zoneOffsetMs(timeZone, t) === wall - t);
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}
