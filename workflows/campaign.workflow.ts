import { ActivityFailure, condition, continueAsNew, log, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import {
  type CampaignRun,
  type CampaignStatus,
  campaignProgressQuery,
  cancelCampaignSignal,
  pauseCampaignSignal,
  resumeCampaignSignal,
} from './campaign-definitions';
import { activityFailure, alertAdministrators, failureType, waitForResume } from './delivery';
import { taskQueues } from './definitions';
import { publish } from './events';

/**
 * Recipients read per batch, and sends in flight at once (the sends queue paces them to Twilio's
 * rate). A pause stops sends not yet begun; those already waiting for their slot (at most IN_FLIGHT)
 * may still go out.
 */
const BATCH = 200;
export const IN_FLIGHT = 10;
/** Recipients handled per run before continuing as new, so the history stays small for any size of segment. */
const PER_RUN = 500;

const db = proxyActivities<Activities>(DATABASE_ACTIVITY);

/**
 * A campaign (`campaign:<id>`): waits for its send time, takes the segment's members as recipients
 * once, then sends the template to each opted-in recipient through the rate-limited sends queue.
 * Pause, resume and cancel arrive as signals. Progress lives in the recipients table, so a worker
 * crash or a continue-as-new resumes with the recipients still queued: each is sent exactly once.
 */
export async function campaignWorkflow(run: CampaignRun): Promise<{ status: CampaignStatus; handled: number }> {
  const sends = proxyActivities<Activities>({
    taskQueue: taskQueues(workflowInfo().taskQueue).sends,
    startToCloseTimeout: '20s',
    scheduleToCloseTimeout: '24h',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['IntegrationPaused', 'TwilioAuthError'] },
  });
  const { campaignId } = run;
  let paused = run.paused ?? false;
  let cancelled = false;
  let handled = run.handled ?? 0;
  let status: CampaignStatus = run.snapshotTaken ? 'running' : 'scheduled';
  setHandler(pauseCampaignSignal, () => void (paused = true));
  setHandler(resumeCampaignSignal, () => void (paused = false));
  setHandler(cancelCampaignSignal, () => void (cancelled = true));
  setHandler(campaignProgressQuery, () => ({ status, handled }));

  const setStatus = async (next: CampaignStatus) => {
    status = next;
    await db.setCampaignStatus({ campaignId, status: next });
  };

  if (!run.snapshotTaken) {
    const wait = (run.sendAt ?? 0) - Date.now();
    if (wait > 0) {
      await setStatus('scheduled');
      await condition(() => cancelled, wait);
    }
    if (cancelled) return finish('cancelled');
    await db.takeCampaignSnapshot({ campaignId });
  }
  await setStatus(paused ? 'paused' : 'running');

  // One wait shared by every send in flight: the status is written once per pause.
  let pause: Promise<void> | undefined;
  const whilePaused = async (): Promise<void> => {
    // A loop, not one wait: a pause that arrives while the last one is being lifted is waited for too.
    while (paused && !cancelled) {
      pause ??= (async () => {
        await setStatus('paused');
        await condition(() => !paused || cancelled);
        if (!cancelled) await setStatus('running');
        pause = undefined;
      })();
      await pause;
    }
  };
  // A paused integration (rejected credentials) holds every send until an administrator resumes it.
  const integrationWaits = new Map<string, Promise<void>>();

  /** Sends to one recipient; false when the campaign was cancelled before they were handled. */
  async function sendTo(customerId: string): Promise<boolean> {
    for (;;) {
      await whilePaused();
      if (cancelled) return false;
      try {
        const { status } = await sends.sendCampaignMessage({ campaignId, customerId });
        if (status === 'cancelled') cancelled = true;
        if (status !== 'deferred') return status !== 'cancelled';
        // Deferred: the pause signal is here or on its way; never spin if the two disagree for a moment.
        if (!paused && !cancelled) await sleep('1 second');
      } catch (err) {
        const type = failureType(err);
        if (type === 'IntegrationPaused' || type === 'TwilioAuthError') {
          const integrationId = (activityFailure(err)?.details?.[0] as { integrationId?: string } | undefined)?.integrationId ?? 'unknown';
          await alertAdministrators(err);
          if (!integrationWaits.has(integrationId)) integrationWaits.set(integrationId, waitForResume(integrationId).finally(() => integrationWaits.delete(integrationId)));
          await integrationWaits.get(integrationId);
          continue;
        }
        if (!(err instanceof ActivityFailure)) throw err;
        log.warn('A campaign message could not be sent after its retries', { campaignId, customerId, error: err.message });
        await db.failCampaignRecipient({ campaignId, customerId, error: err.cause?.message ?? err.message });
        return true;
      }
    }
  }

  let inThisRun = 0;
  for (;;) {
    await whilePaused();
    if (cancelled) break;
    const batch = await db.nextCampaignRecipients({ campaignId, limit: BATCH });
    if (batch.length === 0) break;
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, batch.length) }, async () => {
      while (next < batch.length && !cancelled) {
        if (await sendTo(batch[next++]!)) handled++;
        inThisRun++;
      }
    }));
    if (!cancelled && (inThisRun >= PER_RUN || workflowInfo().continueAsNewSuggested)) {
      await continueAsNew<typeof campaignWorkflow>({ campaignId, snapshotTaken: true, paused, handled });
    }
  }
  return finish(cancelled ? 'cancelled' : 'completed');

  async function finish(end: 'completed' | 'cancelled') {
    if (end === 'cancelled') await db.cancelQueuedRecipients({ campaignId });
    await setStatus(end);
    await publish(`campaign.${end}`, { campaignId, recipientsHandled: handled }, end);
    return { status: end, handled };
  }
}
