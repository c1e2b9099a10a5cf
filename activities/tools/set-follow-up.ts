import { z } from 'zod';
import { Refusal } from '../../src/common/refusal';
import { defineTool } from './tool';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** How far ahead a follow-up may be set. */
export const MAX_FOLLOW_UP_DAYS = 90;
/** Sooner than this is not a follow-up: the agent answers now. */
const MIN_LEAD_MS = 5 * MINUTE;
/** Follow-ups a customer may have waiting at once, so a confused model cannot pile them up. */
const MAX_SCHEDULED = 5;
/** The message is sent as one WhatsApp text (or the template's variable): short. */
const MAX_MESSAGE = 500;

const relative = z
  .strictObject({
    inDays: z.number().int().min(0).max(MAX_FOLLOW_UP_DAYS).optional(),
    inHours: z.number().int().min(0).max(MAX_FOLLOW_UP_DAYS * 24).optional(),
  })
  .refine((r) => (r.inDays ?? 0) + (r.inHours ?? 0) > 0, 'give inDays and/or inHours, more than zero in all');

/**
 * A message to this customer later, when they ask for one ("remind me next week"); its durable timer
 * runs in `follow-up:<id>`. Risk `read` (runs at once, no YES asked): it commits the business to
 * nothing but one message to the same customer, in their own conversation, that they asked for;
 * quiet hours, the 24-hour-window template and cancellation (DELETE /api/follow-ups/:id) apply. The
 * bounds that matter are enforced here, not left to the model: in the future, at most 90 days
 * ahead, a few waiting at once, only for this conversation's customer, never for staff (a person is
 * reached with escalate_to_human).
 */
export const setFollowUp = defineTool({
  name: 'set_follow_up',
  description:
    'Schedule a message to this customer at a later time, when they ask to be reminded or contacted later (e.g. "remind me next week"). ' +
    `Give when as { inDays, inHours } from now, or an ISO date-time with its offset; at most ${MAX_FOLLOW_UP_DAYS} days ahead. ` +
    'Write message in the customer\'s language: it is sent as is. A message due at night waits until the morning in their time zone. ' +
    'For something a person from the team must do, use escalate_to_human instead.',
  args: z.strictObject({
    when: z
      .union([z.iso.datetime({ offset: true }).describe('e.g. 2026-12-08T10:00:00+01:00'), relative])
      .describe('When to send it: an ISO date-time with offset, or { inDays, inHours } from now'),
    message: z.string().trim().min(1).max(MAX_MESSAGE).describe('What to tell the customer then, in their language'),
  }),
  risk: 'read',
  activity: { timeoutSeconds: 10, maximumAttempts: 3 },
  async run({ when, message }, { scope, services, callKey }) {
    const now = Date.now();
    const dueAt = typeof when === 'string' ? Date.parse(when) : now + (when.inDays ?? 0) * DAY + (when.inHours ?? 0) * HOUR;
    if (dueAt < now + MIN_LEAD_MS) throw new Refusal(`That time is not in the future (now is ${new Date(now).toISOString()}): ask the customer when.`, 'not_in_future');
    if (dueAt > now + MAX_FOLLOW_UP_DAYS * DAY) throw new Refusal(`A follow-up can be at most ${MAX_FOLLOW_UP_DAYS} days ahead.`, 'too_far_ahead');
    if ((await services.followUps.scheduledCount(scope.customerId, callKey)) >= MAX_SCHEDULED) {
      throw new Refusal(`This customer already has ${MAX_SCHEDULED} follow-ups waiting: no more can be set.`, 'too_many_follow_ups');
    }
    const followUp = await services.followUps.schedule({ ...scope, audience: 'customer', dueAt, message, createdBy: 'agent', requestKey: callKey });
    return {
      result: { followUpId: followUp.id, status: followUp.status, dueAt: followUp.dueAt, note: 'Scheduled. A message due at night goes out the next morning in the customer\'s time zone.' },
      start: { kind: 'follow_up', followUpId: followUp.id, dueAt: Date.parse(followUp.dueAt) },
    };
  },
});
