import { ActivityFailure, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { messageStaff } from './staff-notify';

const { prepareStaffReport } = proxyActivities<Activities>({ ...DATABASE_ACTIVITY, startToCloseTimeout: '60s' });
const { renderDataChart } = proxyActivities<Activities>({ startToCloseTimeout: '60s', retry: { maximumAttempts: 2, nonRetryableErrorTypes: ['ChartError'] } });

export const staffReportScheduleId = (reportId: string) => `staff-report:${reportId}`;

/**
 * A scheduled report, run by its schedule (`staff-report:<id>`): the figures of its period from the
 * named metrics (no model writes SQL) and a chart of the first metric over the last two weeks, sent
 * to its staff member on WhatsApp once per run. Outside the 24-hour window the send policy sends the
 * template instead. A report deleted since the schedule fired sends nothing.
 */
export async function staffReport(input: { reportId: string }): Promise<{ sent: boolean }> {
  const prepared = await prepareStaffReport({ reportId: input.reportId });
  if (!prepared) return { sent: false };
  let chartId: string | undefined;
  if (prepared.trend) {
    try {
      chartId = (await renderDataChart({ integrationId: prepared.integrationId, conversationSid: null, question: prepared.trend.intent.title, intent: prepared.trend.intent, rows: prepared.trend.rows })).chartId;
    } catch (err) {
      log.warn('The report chart could not be drawn; the figures go alone', { error: (err as Error).message });
    }
  }
  try {
    const result = await messageStaff({ integrationId: prepared.integrationId, staffIds: [prepared.staffId], body: prepared.text, key: workflowInfo().workflowId, ...(chartId ? { chartId } : {}) });
    return { sent: result.sent + result.held > 0 };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.error('A scheduled report could not be sent', { reportId: input.reportId, error: err.cause?.message ?? err.message });
    return { sent: false };
  }
}
