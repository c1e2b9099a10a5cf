import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import type { AutomationRunInput } from '../../workflows/automation-definitions';
import { parseDuration } from './automation-definition';

type Db = Pick<DataSource, 'query'>;

/**
 * One run per enabled rule whose `on` is the event's type, recorded with the rule's version. Once:
 * recording the same event again adds nothing. A rule created after the event does not act on it
 * (an event published again later is not news to it).
 */
export async function recordAutomationRuns(db: Db, eventId: string): Promise<void> {
  await db.query(
    `INSERT INTO automation_runs (id, automation_id, version, event_id, status)
     SELECT gen_random_uuid(), a.id, a.version, e.id, 'scheduled' FROM events e JOIN automations a ON a.on_event = e.type AND a.enabled AND a.created_at <= e.created_at
     WHERE e.id = $1
     ON CONFLICT (automation_id, event_id) DO NOTHING`,
    [eventId],
  );
}

/**
 * The runs whose workflow has not been started yet: those of one event, or (no event) every one
 * recorded more than `olderThanMs` ago, which a failed start left behind. Each with its wait: the
 * rule's `after` less the time since the event happened.
 */
export async function unstartedAutomationRuns(db: Db, filter: { eventId: string } | { olderThanMs: number; limit: number }): Promise<AutomationRunInput[]> {
  const byEvent = 'eventId' in filter;
  const rows = await queryRows<{ automation_id: string; version: number; event_id: string; after: string | null; elapsed_ms: number }>(
    db,
    `SELECT r.automation_id, r.version, r.event_id, a.definition->>'after' AS after,
            (extract(epoch FROM (now() - e.created_at)) * 1000)::float8 AS elapsed_ms
     FROM automation_runs r JOIN automations a ON a.id = r.automation_id JOIN events e ON e.id = r.event_id
     WHERE r.status = 'scheduled' AND r.started_at IS NULL
       AND ${byEvent ? 'r.event_id = $1' : `r.created_at < now() - make_interval(secs => $1::float8 / 1000)`}
     ORDER BY r.created_at ${byEvent ? '' : 'LIMIT $2'}`,
    byEvent ? [filter.eventId] : [filter.olderThanMs, filter.limit],
  );
  return rows.map((r) => ({
    automationId: r.automation_id,
    version: r.version,
    eventId: r.event_id,
    delayMs: Math.max(0, Math.round((r.after ? (parseDuration(r.after) ?? 0) : 0) - r.elapsed_ms)),
  }));
}

/** The run's workflow exists now (started, or found started): it is no longer the api's to start. */
export async function markAutomationRunsStarted(db: Db, runs: { automationId: string; eventId: string }[]): Promise<void> {
  if (runs.length === 0) return;
  await db.query(
    `UPDATE automation_runs r SET started_at = COALESCE(r.started_at, now())
     FROM unnest($1::uuid[], $2::text[]) AS s(automation_id, event_id)
     WHERE r.automation_id = s.automation_id AND r.event_id = s.event_id`,
    [runs.map((r) => r.automationId), runs.map((r) => r.eventId)],
  );
}
