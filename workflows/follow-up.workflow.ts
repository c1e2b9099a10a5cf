import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { raiseAlert, tellCustomer } from './delivery';
import { quietUntil } from './quiet-hours';
import { followUpCancelledSignal, type FollowUpStatus, type FollowUpWorkflowInput } from './skill-definitions';

const acts = proxyActivities<Activities>(DATABASE_ACTIVITY);

/**
 * A follow-up reminder (`follow-up:<id>`): a durable timer until it is due, then, for the customer,
 * a message in their conversation (the send policy uses the approved template outside WhatsApp's
 * 24-hour window), or, for staff, an administrator alert. A message due in the customer's quiet
 * hours (QUIET_HOURS, in their time zone) waits until those end. The cancel signal ends it at any
 * wait; the row is read again at each due time, so a follow-up cancelled in the database is not sent
 * either.
 */
export async function followUpWorkflow(input: FollowUpWorkflowInput): Promise<Exclude<FollowUpStatus, 'scheduled'>> {
  let cancelled = false;
  setHandler(followUpCancelledSignal, () => void (cancelled = true));

  let at = input.dueAt;
  let text: string;
  for (;;) {
    if (await condition(() => cancelled, Math.max(0, at - Date.now()))) return 'cancelled';
    const due = await acts.followUpDue({ followUpId: input.followUpId });
    if (due.status !== 'scheduled') return due.status;
    const quietEnd = input.audience === 'customer' ? quietUntil(due.quietHours, due.timeZone, Date.now()) : null;
    if (quietEnd === null) {
      text = due.text;
      break;
    }
    at = quietEnd; // the morning in the customer's time zone; the row is read again then
  }
  if (cancelled) return 'cancelled'; // the signal came while the row was read

  if (input.audience === 'staff') {
    await raiseAlert('follow_up_due', text, input.integrationId);
    await acts.finishFollowUp({ followUpId: input.followUpId, status: 'sent' });
    return 'sent';
  }
  if (!input.conversationSid) {
    await acts.finishFollowUp({ followUpId: input.followUpId, status: 'failed', failure: 'the customer has no conversation' });
    return 'failed';
  }
  const sent = await tellCustomer({ integrationId: input.integrationId, conversationSid: input.conversationSid }, text, 'message');
  const failure = !sent ? 'the message could not be sent' : sent.heldReason ? `held (${sent.heldReason}): outside the 24-hour window and no template could be sent` : undefined;
  await acts.finishFollowUp({ followUpId: input.followUpId, status: failure ? 'failed' : 'sent', ...(failure ? { failure } : {}) });
  return failure ? 'failed' : 'sent';
}
