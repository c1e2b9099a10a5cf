import type { DailyDigest } from '../src/reports/daily-digest.service';
import type { ActivityDeps } from './deps';

/** What the digest workflow needs of a stored digest: enough to publish and send it. */
export type DigestForOwners = Pick<DailyDigest, 'integrationId' | 'integrationName' | 'date' | 'timeZone' | 'figures' | 'text'>;

/** The daily digest: figures from the database, stored per integration and day (see DailyDigestService). */
export function createReportActivities({ reports }: ActivityDeps) {
  return {
    /**
     * Computes and stores the digest of `date`, or of the day before `asOf` (the workflow's start) in
     * the business's time zone. Idempotent: a retry recomputes and replaces the same rows.
     */
    async computeDailyDigest(input: { date?: string; asOf: string }): Promise<{ date: string; digests: DigestForOwners[] }> {
      const date = input.date ?? reports.yesterday(new Date(input.asOf));
      const digests = await reports.compute(date);
      return { date, digests: digests.map(({ integrationId, integrationName, timeZone, figures, text }) => ({ integrationId, integrationName, date, timeZone, figures, text })) };
    },
  };
}
