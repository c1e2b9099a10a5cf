import { executeChild, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { type DataAnswer, dataQuestionWorkflowId, readStaffRequest, STAFF_HELP, type StaffSender } from './data-definitions';
import { dataQuestionWorkflow } from './data-question.workflow';
import { activityFailure } from './delivery';

const data = proxyActivities<Activities>({ ...DATABASE_ACTIVITY, startToCloseTimeout: '60s' });

/**
 * A turn from an owner or analyst (the staff registry said so when the message was recorded): a
 * report from the named metrics, the help text, or a data question as its own child workflow
 * (`…:question`). Customers never reach this: the role comes from the database, not the message.
 */
export async function answerStaff(turn: { integrationId: string; conversationSid: string }, sender: StaffSender, texts: string[], turnKey: string, customerId?: string): Promise<DataAnswer> {
  const request = readStaffRequest(texts.join('\n'));
  if (request.kind === 'help') return { status: 'answered', text: STAFF_HELP };
  try {
    if (request.kind === 'report') {
      const report = await data.buildDataReport({ integrationId: turn.integrationId, period: request.period });
      return { status: 'answered', text: report.text };
    }
    return await executeChild(dataQuestionWorkflow, {
      workflowId: dataQuestionWorkflowId(turnKey),
      args: [{ integrationId: turn.integrationId, conversationSid: turn.conversationSid, staffId: sender.id, question: request.question, ...(customerId ? { customerId } : {}) }],
    });
  } catch (err) {
    const failure = activityFailure(err) ?? activityFailure((err as { cause?: unknown }).cause);
    log.error('A staff request could not be answered', { error: (err as Error).message });
    return { status: 'failed', text: `That could not be answered right now (${failure?.message ?? 'an internal error'}). Please try again in a moment.` };
  }
}
