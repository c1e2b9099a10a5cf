import { isTimeZone } from '../workflows/business-hours';
import type { FollowUpStatus } from '../workflows/skill-definitions';
import type { ActivityDeps } from './deps';

/** What the follow-up workflow needs at the due time, read from the database then (not when it was scheduled). */
export type FollowUpDue =
  | { status: Exclude<FollowUpStatus, 'scheduled'> }
  | {
      status: 'scheduled';
      /** The customer's time zone, else the business's (its business hours), else UTC. */
      timeZone: string;
      /** QUIET_HOURS (`21:00-09:00`), or null when off. */
      quietHours: string | null;
      /** For the customer: the message; for staff: the alert's text. */
      text: string;
    };

/** The follow-up workflow's steps: what is due (as stored now), and its end state. */
export function createFollowUpActivities({ followUps, policies, config }: ActivityDeps) {
  return {
    async followUpDue(input: { followUpId: string }): Promise<FollowUpDue> {
      const due = await followUps.due(input.followUpId);
      if (!due) return { status: 'cancelled' }; // its customer was deleted, and the follow-up with them
      if (due.status !== 'scheduled') return { status: due.status };
      if (due.customerErased) {
        await followUps.finish(due.id, 'cancelled', 'the customer was erased');
        return { status: 'cancelled' };
      }
      const own = due.customerTimeZone && isTimeZone(due.customerTimeZone) ? due.customerTimeZone : undefined;
      const timeZone = own ?? (await policies.forTurn(due.integrationId)).businessHours?.timeZone ?? 'UTC';
      const who = due.customerName ? `${due.customerName} (${due.customerPhone})` : due.customerPhone;
      const text = due.audience === 'customer' ? due.message : `Follow-up due for ${who}: ${due.message} [follow-up ${due.id}, customer ${due.customerId}]`;
      return { status: 'scheduled', timeZone, quietHours: config.quietHours, text };
    },

    /** Records how it ended; a follow-up cancelled meanwhile stays cancelled. */
    async finishFollowUp(input: { followUpId: string; status: 'sent' | 'failed' | 'cancelled'; failure?: string }): Promise<void> {
      await followUps.finish(input.followUpId, input.status, input.failure);
    },
  };
}
