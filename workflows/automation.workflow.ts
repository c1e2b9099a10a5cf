import { ActivityFailure, condition, log, ParentClosePolicy, proxyActivities, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import {
  type ActionOutcome,
  type AutomationRunDetail,
  type AutomationRunInput,
  type AutomationRunResult,
  type PreparedAction,
  stopAutomationRunSignal,
} from './automation-definitions';
import { activityFailure, alertAdministrators, failureType, raiseAlert, waitForResume } from './delivery';
import { taskQueues } from './definitions';
import { followUpWorkflow } from './follow-up.workflow';
import { followUpWorkflowId } from './skill-definitions';

const db = proxyActivities<Activities>(DATABASE_ACTIVITY);
/** A receiver that is down is retried for an hour, backing off to ten minutes between attempts. */
const http = proxyActivities<Activities>({
  startToCloseTimeout: '20s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: ['WebhookRejected', 'WebhookRefused'] },
});

/**
 * One run of an automation rule for one event (`automation:<rule>:<event>`): waits the rule's `after`
 * on a durable timer, then reads the rule again (edited or deleted: `cancelled`), checks its `if`
 * (not met: `skipped`), and performs its actions in order. The stop signal (the rule was edited or
 * deleted) ends a wait at once and a run before its next action. An action that fails ends the run
 * as `failed`; the outcome of every action is recorded with the run.
 */
export async function automationRun(input: AutomationRunInput): Promise<AutomationRunResult> {
  let stopped: string | undefined;
  setHandler(stopAutomationRunSignal, ({ reason }) => void (stopped ??= reason));
  const finish = async (status: AutomationRunResult['status'], detail: AutomationRunDetail): Promise<AutomationRunResult> => {
    await db.finishAutomationRun({ automationId: input.automationId, eventId: input.eventId, status, detail });
    return { status, detail };
  };

  if (input.delayMs > 0) await condition(() => stopped !== undefined, input.delayMs);
  if (stopped) return finish('cancelled', { reason: stopped });
  const due = await db.automationRunDue({ automationId: input.automationId, version: input.version, eventId: input.eventId });
  if (due.outcome !== 'run') return finish(due.outcome, { reason: due.reason });

  const actions: ActionOutcome[] = [];
  for (const [index, action] of due.actions.entries()) {
    if (stopped) return finish('cancelled', { reason: stopped, actions });
    try {
      const outcome = await perform(action, `${workflowInfo().workflowId}:${index}`, input, due);
      actions.push({ index, type: action.type, ...outcome });
      if (outcome.outcome === 'failed') return finish('failed', { actions });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const detail = activityFailure(err)?.message ?? err.cause?.message ?? err.message;
      log.warn('An automation action failed', { index, type: action.type, error: detail });
      actions.push({ index, type: action.type, outcome: 'failed', detail });
      return finish('failed', { actions });
    }
  }
  return finish('done', { actions });
}

type Outcome = Pick<ActionOutcome, 'outcome' | 'detail'>;

async function perform(action: PreparedAction, key: string, run: AutomationRunInput, due: { integrationId: string | null; customerId: string | null }): Promise<Outcome> {
  if (action.type === 'notify_staff') {
    // Alerts accept no integration (the column is nullable); the workflow helper's type is narrower.
    await raiseAlert('automation', action.message, due.integrationId as string);
    return { outcome: 'done' };
  }
  if (action.type === 'call_webhook') return http.automationCallWebhook({ key, eventId: run.eventId, url: action.url, ...(action.secretEncrypted ? { secretEncrypted: action.secretEncrypted } : {}) });
  const customerId = due.customerId;
  if (!customerId) return { outcome: 'skipped', detail: 'the event is about no customer' };
  switch (action.type) {
    case 'add_tag':
      return db.automationAddTag({ automationId: run.automationId, customerId, tag: action.tag });
    case 'send_template':
      return sendTemplate({ key, automationId: run.automationId, customerId, contentSid: action.contentSid, variables: action.variables, requireOptIn: action.requireOptIn }, due.integrationId);
    case 'start_follow_up': {
      const scheduled = await db.automationScheduleFollowUp({ key, automationId: run.automationId, customerId, inMs: action.inMs, message: action.message, audience: action.audience });
      if (scheduled.followUp) {
        try {
          await startChild(followUpWorkflow, {
            workflowId: followUpWorkflowId(scheduled.followUp.followUpId), args: [scheduled.followUp],
            parentClosePolicy: ParentClosePolicy.ABANDON, workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
        } catch (err) {
          log.info('Follow-up already started', { followUpId: scheduled.followUp.followUpId, error: (err as Error).message });
        }
      }
      return { outcome: scheduled.outcome, ...(scheduled.detail ? { detail: scheduled.detail } : {}) };
    }
  }
}

/** On the rate-limited sends queue; a paused integration (rejected credentials) is waited out, as campaigns do. */
async function sendTemplate(input: Parameters<Activities['automationSendTemplate']>[0], integrationId: string | null): Promise<Outcome> {
  const sends = proxyActivities<Activities>({
    taskQueue: taskQueues(workflowInfo().taskQueue).sends,
    startToCloseTimeout: '20s',
    scheduleToCloseTimeout: '24h',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['IntegrationPaused', 'TwilioAuthError'] },
  });
  for (;;) {
    try {
      return await sends.automationSendTemplate(input);
    } catch (err) {
      const type = failureType(err);
      // The paused integration is the conversation's, which the failure names.
      const paused = (activityFailure(err)?.details?.[0] as { integrationId?: string } | undefined)?.integrationId ?? integrationId;
      if ((type !== 'IntegrationPaused' && type !== 'TwilioAuthError') || !paused) throw err;
      await alertAdministrators(err);
      await waitForResume(paused);
    }
  }
}
