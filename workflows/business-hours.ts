/**
 * Pure and deterministic (workflow time in, no I/O): used by the policies API to validate the hours,
 * and by the conversation workflow when it writes a hand-off message.
 *
 * When a person is around: the business's opening hours per weekday, in its time zone. Outside them
 * any hand-off message tells the customer when the team is back.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BusinessHours {
  /** An IANA time zone, e.g. `Europe/Madrid`. */
  timeZone: string;
  /** Opening ranges per weekday, `HH:MM-HH:MM` in the time zone; a day left out is closed. */
  hours: Partial<Record<Weekday, string[]>>;
}

export const HOURS_RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Null when the business is open at `now`, else the moment it opens next (within a week; null if never). */
export function closedUntil(bh: BusinessHours, now: Date): Date | null | 'never' {
  const local = wallClock(bh.timeZone, now);
  let next: number | undefined;
  for (let dayOffset = 0; dayOffset <= 7; dayOffset++) {
    const day = new Date(Date.UTC(local.year, local.month - 1, local.day + dayOffset));
    const weekday = WEEKDAYS[day.getUTCDay()]!;
    for (const range of bh.hours[weekday] ?? []) {
      const m = HOURS_RANGE.exec(range);
      if (!m) continue;
      const start = toInstant(bh.timeZone, day, Number(m[1]), Number(m[2]));
      const end = toInstant(bh.timeZone, day, Number(m[3]), Number(m[4]));
      if (start <= now.getTime() && now.getTime() < end) return null;
      if (start > now.getTime() && (next === undefined || start < next)) next = start;
    }
  }
  return next === undefined ? 'never' : new Date(next);
}

/** The wall-clock date and time in a time zone at an instant. */
export function wallClock(timeZone: string, at: Date) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** Milliseconds the time zone is ahead of UTC at an instant. */
function offsetMs(timeZone: string, at: number): number {
  const w = wallClock(timeZone, new Date(at));
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}

/** The instant a wall-clock time happens in a time zone (the later offset wins across a DST change). */
export function toInstant(timeZone: string, day: Date, hour: number, minute: number): number {
  const asUtc = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour, minute);
  const guess = asUtc - offsetMs(timeZone, asUtc);
  return asUtc - offsetMs(timeZone, guess);
}
