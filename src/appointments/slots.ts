import { type BusinessHours, HOURS_RANGE, toInstant, wallClock, WEEKDAYS } from '../../workflows/business-hours';

/** Slot arithmetic for appointment services: pure, in the service's time zone. */

export interface Schedule {
  durationMinutes: number;
  timeZone: string;
  hours: BusinessHours['hours'];
}

/** A local date-time as the agent and customers see it: `2026-12-08T10:00`, in the service's time zone. */
export const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Every slot start (epoch ms) on `days` days from `from` (YYYY-MM-DD, in the service's time zone):
 * each opening range cut into back-to-back slots of the service's duration that end within it.
 */
export function slotStarts(schedule: Schedule, from: string, days: number): number[] {
  const [year, month, day] = from.split('-').map(Number) as [number, number, number];
  const starts: number[] = [];
  for (let offset = 0; offset < days; offset++) {
    const date = new Date(Date.UTC(year, month - 1, day + offset));
    for (const range of schedule.hours[WEEKDAYS[date.getUTCDay()]!] ?? []) {
      const m = HOURS_RANGE.exec(range);
      if (!m) continue;
      const open = Number(m[1]) * 60 + Number(m[2]);
      const close = Number(m[3]) * 60 + Number(m[4]);
      for (let minute = open; minute + schedule.durationMinutes <= close; minute += schedule.durationMinutes) {
        starts.push(toInstant(schedule.timeZone, date, Math.floor(minute / 60), minute % 60));
      }
    }
  }
  return starts.sort((a, b) => a - b);
}

/** The instant of a local date-time in a time zone; undefined when it is not one. */
export function fromLocal(local: string, timeZone: string): number | undefined {
  const m = LOCAL_TIME.exec(local);
  if (!m) return undefined;
  return toInstant(timeZone, new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))), Number(m[4]), Number(m[5]));
}

/** `2026-12-08T10:00` in the time zone. */
export function toLocal(at: number, timeZone: string): string {
  const w = wallClock(timeZone, new Date(at));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** Today's date (YYYY-MM-DD) in the time zone. */
export function localToday(timeZone: string, now = Date.now()): string {
  return toLocal(now, timeZone).slice(0, 10);
}

/** "Monday, 8 December, 10:00 (Europe/Madrid)" in the customer's language. */
export function describeTime(at: number, timeZone: string, language: string): string {
  let text: string;
  try {
    text = new Intl.DateTimeFormat(language || 'en', { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(at));
  } catch {
    text = toLocal(at, timeZone).replace('T', ' ');
  }
  return `${text} (${timeZone})`;
}
