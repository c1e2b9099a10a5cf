import { ApplicationFailure, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  AssignedAgentAttribute,
  type Caller,
  type CarriedState,
  type ConversationInput,
  type ConversationStatus,
  ConversationStatusAttribute,
  type HandoffState,
  HandoffRejection,
  type HandoffTimers,
  type StatusChangeCause,
} from './definitions';
import { crm } from './activity-options';
import { deliver, raiseAlert } from './delivery';
import { handoffNotice, holdingNotice, withReturnTime } from './replies';
import { remember } from './transcript';
import { ConversationSummaries } from './summaries';

export const DEFAULT_HANDOFF_TIMERS: HandoffTimers = { slaMs: 5 * 60_000, reminderMs: 30 * 60_000, maxReminders: 3 };

/**
 * The hand-off state machine of one conversation, inside its workflow:
 *
 *   bot ──escalate──▶ waiting_for_human ──takeOver──▶ human ──handBack──▶ bot
 *    └──────────────────takeOver──────────────────────▲        close ▶ closed (from any)
 *
 * Changed only by the workflow's updates (takeOver, handBack, close), by an escalating turn, and by a
 * customer writing to a closed conversation. Each change is mirrored to the `ConversationStatus` and
 * `AssignedAgent` search attributes and recorded with its cause. While a customer waits, the SLA
 * timers send one holding message and alert administrators, then remind them.
 */
export class Handoff {
  private readonly timers: HandoffTimers;
  /** Summaries for staff of each hand-off and close, started after the change and its notice. */
  readonly summaries: ConversationSummaries;

  constructor(private readonly input: ConversationInput, private readonly state: CarriedState) {
    this.timers = input.handoff ?? DEFAULT_HANDOFF_TIMERS;
    this.summaries = new ConversationSummaries(input);
    if (state.status === 'waiting_for_human' && !state.waitingSince) {
      // Carried from a run that flagged the wait without timing it: the SLA starts now.
      state.waitingSince = new Date().toISOString();
      state.sla = { holdingSent: false, reminders: 0 };
    }
  }

  view(): HandoffState {
    return { status: this.state.status, assignedAgent: this.state.assignedAgent ?? null, waitingSince: this.state.waitingSince ?? null };
  }

  // ---- validators: throw to reject an update before it enters the history ----

  checkTakeOver(caller: Caller): void {
    this.rejectIfClosed();
    const owner = this.state.assignedAgent;
    if (this.state.status === 'human' && owner && owner.id !== caller.id && caller.role !== 'admin') {
      throw rejection(HandoffRejection.ownedByAnother, `${owner.name} already owns this conversation`);
    }
  }

  checkHandBack(caller: Caller): void {
    this.rejectIfClosed();
    if (this.state.status === 'bot') throw rejection(HandoffRejection.alreadyWithBot, 'The bot already answers this conversation');
    this.rejectIfOwnedByAnother(caller);
  }

  checkClose(caller: Caller): void {
    this.rejectIfClosed();
    this.rejectIfOwnedByAnother(caller);
  }

  /** Agent messages: only the person who owns the conversation may write in it. */
  checkOwner(caller: Caller): void {
    this.rejectIfClosed();
    if (this.state.status !== 'human') throw rejection(HandoffRejection.notWithHuman, 'Take the conversation over before writing in it');
    if (this.state.assignedAgent?.id !== caller.id) throw rejection(HandoffRejection.notOwner, `${this.state.assignedAgent?.name ?? 'Another agent'} owns this conversation`);
  }

  // ---- transitions ----

  async takeOver(caller: Caller): Promise<HandoffState> {
    if (this.state.status === 'human' && this.state.assignedAgent?.id === caller.id) return this.view();
    return this.change('human', 'agent_takeover', { caller });
  }

  handBack(caller: Caller): Promise<HandoffState> {
    return this.change('bot', 'agent_handback', { caller });
  }

  async close(caller: Caller): Promise<HandoffState> {
    const changed = this.change('closed', 'agent_close', { caller });
    const sequence = this.state.transitions ?? 0; // numbered now: a customer may reopen it while the change is recorded
    const view = await changed;
    this.summaries.start('close', sequence);
    return view;
  }

  /** A customer wrote to a closed conversation: the bot answers again. */
  async reopen(): Promise<void> {
    await this.change('bot', 'customer_returned', {});
  }

  /**
   * The conversation asks for a person. `notify` sends the hand-off notice from here (when the turn that
   * escalated could not say it itself). Administrators are alerted.
   */
  async escalate(escalation: { cause: StatusChangeCause; reason?: string; language?: string }, opts: { notify?: boolean } = {}): Promise<void> {
    if (escalation.language) this.state.language = escalation.language;
    this.state.sla = { holdingSent: false, reminders: 0 };
    await this.change('waiting_for_human', escalation.cause, { reason: escalation.reason });
    const wait = this.state.transitions ?? 0;
    if (opts.notify) await this.tellCustomer(this.withReturnTime(handoffNotice(this.state.language)), `handoff-${wait}:notice`, () => this.state.status !== 'bot' && this.state.status !== 'closed');
    this.summaries.start('handoff', wait);
    await raiseAlert('handoff_requested', `${this.describe()} waits for a person (${escalation.cause}${escalation.reason ? `: ${escalation.reason}` : ''})`, this.input.integrationId);
  }

  // ---- SLA timers ----

  /** Milliseconds until the next SLA step, or undefined when none is due (not waiting, or all done). */
  nextTimerMs(): number | undefined {
    const due = this.nextDue();
    return due === undefined ? undefined : Math.max(1, due - Date.now());
  }

  /** Runs the SLA step that is due, if the customer still waits: holding message + alert, then reminders. */
  async onTimer(): Promise<void> {
    const due = this.nextDue();
    const sla = this.state.sla;
    if (due === undefined || !sla || Date.now() < due) return;
    const waitedMinutes = Math.round((Date.now() - Date.parse(this.state.waitingSince!)) / 60_000);
    if (!sla.holdingSent) {
      sla.holdingSent = true;
      await this.tellCustomer(this.withReturnTime(holdingNotice(this.state.language)), `handoff-${this.state.transitions ?? 0}:holding`, () => this.state.status === 'waiting_for_human');
      await raiseAlert('handoff_sla_missed', `${this.describe()} has waited ${waitedMinutes} min for a person; nobody has taken over`, this.input.integrationId);
    } else {
      sla.reminders += 1;
      await raiseAlert('handoff_reminder', `Reminder ${sla.reminders}: ${this.describe()} still waits for a person (${waitedMinutes} min)`, this.input.integrationId);
    }
  }

  private nextDue(): number | undefined {
    const { status, waitingSince, sla } = this.state;
    if (status !== 'waiting_for_human' || !waitingSince || !sla) return undefined;
    const since = Date.parse(waitingSince);
    if (!sla.holdingSent) return since + this.timers.slaMs;
    if (sla.reminders < this.timers.maxReminders) return since + this.timers.slaMs + (sla.reminders + 1) * this.timers.reminderMs;
    return undefined;
  }

  // ---- internals ----

  /** Changes the status: synchronously in the workflow (so concurrent updates see it), then records it. */
  private async change(to: ConversationStatus, cause: StatusChangeCause, by: { caller?: Caller; reason?: string }): Promise<HandoffState> {
    const { state } = this;
    const from = state.status;
    const at = new Date().toISOString();
    state.status = to;
    state.transitions = (state.transitions ?? 0) + 1;
    state.waitingSince = to === 'waiting_for_human' ? at : null;
    state.assignedAgent = to === 'human' && by.caller ? { id: by.caller.id, name: by.caller.name } : null;
    if (to !== 'waiting_for_human') state.sla = undefined;
    upsertSearchAttributes([
      { key: ConversationStatusAttribute, value: to },
      { key: AssignedAgentAttribute, value: state.assignedAgent?.name ?? null },
    ]);
    const view = this.view();
    await crm.recordStatusChange({
      eventKey: `${workflowInfo().workflowId}:status-${state.transitions}`,
      sequence: state.transitions,
      integrationId: this.input.integrationId,
      conversationSid: this.input.conversationSid,
      from,
      to,
      cause,
      actor: by.caller ? `agent:${by.caller.name}` : null,
      reason: by.reason ?? null,
      at,
      assignedAgent: view.assignedAgent,
      waitingSince: view.waitingSince,
    });
    return view;
  }

  /** Outside business hours (as of the latest turn), a hand-off message says when the team is back. */
  private withReturnTime(text: string): string {
    return withReturnTime(text, this.state.language ?? 'en', this.state.policy?.businessHours, Date.now());
  }

  private async tellCustomer(body: string, key: string, stillWanted: () => boolean): Promise<void> {
    const idempotencyKey = `${workflowInfo().workflowId}:${key}`;
    const at = new Date().toISOString();
    const sent = await deliver({ integrationId: this.input.integrationId, conversationSid: this.input.conversationSid, body, idempotencyKey }, stillWanted);
    if (sent.dropped) return;
    await crm.recordReply({
      integrationId: this.input.integrationId, conversationSid: this.input.conversationSid, author: sent.author, body, idempotencyKey,
      messageSid: sent.messageSid, acceptedAt: sent.acceptedAt, firstReceivedAt: at, sentBy: 'bot', heldReason: sent.heldReason,
    });
    remember(this.state, { direction: 'outbound', text: body, at: sent.acceptedAt, messageSid: sent.messageSid, sentBy: 'bot' });
  }

  private describe(): string {
    return `Conversation ${this.input.conversationSid} with ${this.input.customerPhone}`;
  }

  private rejectIfClosed(): void {
    if (this.state.status === 'closed') throw rejection(HandoffRejection.closed, 'The conversation is closed');
  }

  private rejectIfOwnedByAnother(caller: Caller): void {
    const owner = this.state.assignedAgent;
    if (this.state.status === 'human' && owner && owner.id !== caller.id && caller.role !== 'admin') {
      throw rejection(HandoffRejection.notOwner, `${owner.name} owns this conversation`);
    }
  }
}

const rejection = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });
