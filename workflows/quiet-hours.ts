/**
 * Quiet hours: when the business does not write to a customer unprompted (a follow-up due at night
 * waits for the morning), as a daily range in the customer's time zone. Pure and deterministic
 * (workflow time in, no I/O): used by the follow-up workflow and to validate QUIET_HOURS.
 */
import { toInstant, wallClock } from './business-hours';

/** `HH:MM-HH:MM`; the range may wrap past midnight (`21:00-09:00`). */
export const QUIET_HOURS_RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** Null when `at` is outside the quiet hours in `timeZone` (or `range` is null or empty), else the instant they end. */
export function quietUntil(range: string | null, timeZone: string, at: number): number | null {
  const m = range ? QUIET_HOURS_RANGE.exec(range) : null;
  if (!m) return null;
  const from = Number(m[1]) * 60 + Number(m[2]);
  const to = Number(m[3]) * 60 + Number(m[4]);
  if (from === to) return null;
  const local = wallClock(timeZone, new Date(at));
  const minute = local.hour * 60 + local.minute;
  const wraps = from > to;
  const quiet = wraps ? minute >= from || minute < to : minute >= from && minute < to;
  if (!quiet) return null;
  // Before midnight in a range that wraps, the quiet hours end tomorrow; otherwise today.
  const dayOffset = wraps && minute >= from ? 1 : 0;
  const end = toInstant(timeZone, new Date(Date.UTC(local.year, local.month - 1, local.day + dayOffset)), Number(m[3]), Number(m[4]));
  return end > at ? end : null;
}
