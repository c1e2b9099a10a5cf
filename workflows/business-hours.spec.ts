import { type BusinessHours, closedUntil, isTimeZone } from './business-hours';

const madrid: BusinessHours = { timeZone: 'Europe/Madrid', hours: { mon: ['09:00-14:00', '16:00-19:00'], tue: ['09:00-19:00'], sat: ['10:00-13:00'] } };

describe('business hours', () => {
  it('is open inside a range, in the business time zone', () => {
    // Monday 30 Nov 2026, 10:00 in Madrid (UTC+1) is 09:00 UTC.
    expect(closedUntil(madrid, new Date('2026-11-30T09:00:00Z'))).toBeNull();
  });

  it('reopens after the lunch break the same day', () => {
    expect(closedUntil(madrid, new Date('2026-11-30T13:30:00Z'))).toEqual(new Date('2026-11-30T15:00:00Z'));
  });

  it('reopens the next working day, skipping closed days', () => {
    // Saturday 5 Dec 2026 after 13:00 → Monday 7 Dec 09:00 Madrid.
    expect(closedUntil(madrid, new Date('2026-12-05T12:30:00Z'))).toEqual(new Date('2026-12-07T08:00:00Z'));
  });

  it('follows daylight saving time', () => {
    // Monday 29 Jun 2026 is summer time in Madrid (UTC+2): 09:00 local is 07:00 UTC.
    expect(closedUntil(madrid, new Date('2026-06-29T06:00:00Z'))).toEqual(new Date('2026-06-29T07:00:00Z'));
  });

  it('says never when no day has hours', () => {
    expect(closedUntil({ timeZone: 'UTC', hours: {} }, new Date())).toBe('never');
  });

  it('knows time zones', () => {
    expect(isTimeZone('America/Mexico_City')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
