import type { Activities } from '../../activities';
import type { GeneratedReply } from '../../activities/llm.activities';
import type { PublishEventInput } from '../../activities/event.activities';
import type { SummarizeInput } from '../../activities/summary.activities';
import type { OutboundRecord, StatusChange } from '../../src/conversations/conversations.service';
import type { ToolCallRecord } from '../../src/conversations/tool-calls.service';
import type { Alert, TurnInput, TurnPolicy } from '../../workflows/definitions';

/**
 * Activities that record what the workflows asked of them, for workflow tests on a real Temporal
 * server without a database, Twilio or a model. `llm` and `notice` can be replaced per test.
 */
export function fakeActivities() {
  const record = {
    turns: [] as TurnInput[],
    sent: [] as { conversationSid: string; body: string; idempotencyKey: string }[],
    replies: [] as OutboundRecord[],
    statusChanges: [] as StatusChange[],
    alerts: [] as Alert[],
    inbound: [] as TurnInput[],
    toolCalls: [] as ToolCallRecord[],
    events: [] as PublishEventInput[],
    summaries: [] as SummarizeInput[],
  };
  const behaviour = {
    llm: async (messages: string[]): Promise<GeneratedReply> => ({ kind: 'llm', text: `Reply to: ${messages.join(' + ')}`, model: 'fake' }),
    notice: async (): Promise<string | null> => null,
    /** Run before each recording of inbound messages and each send; a test can make them slow or fail. */
    beforeRecordInbound: async (_turn: TurnInput): Promise<void> => undefined,
    beforeSend: async (): Promise<void> => undefined,
    /** What the integration's status check answers (a paused integration until a test resumes it). */
    integrationActive: true,
    /** The message policies recordInboundMessages hands the workflow (generous limits, no holding message). */
    policy: { messagesPerMinute: 120, throttledReplyIntervalMs: 1_000, holdingMessageMs: 0 } as TurnPolicy,
  };
  const activities: Activities = {
    async recordInboundMessages(turn) {
      await behaviour.beforeRecordInbound(turn);
      record.inbound.push(turn);
      record.turns.push(turn);
      return { customerId: 'c', conversationId: 'v', customerName: null, history: [], policy: behaviour.policy };
    },
    async generateReply({ messages }) {
      return behaviour.llm(messages);
    },
    /** The agent's step, from `behaviour.llm`: an escalation comes as the escalate_to_human call, then its text. */
    async nextAgentStep({ messages, scratch }) {
      const generated = await behaviour.llm(messages);
      if (generated.kind === 'no_model' || generated.kind === 'over_budget') return generated;
      if (generated.kind === 'escalate' && scratch.length === 0) {
        const call = { id: 'call-escalate', name: 'escalate_to_human', arguments: JSON.stringify({ reason: generated.reason }), args: { reason: generated.reason } };
        return { kind: 'tools', content: null, calls: [{ ...call, risk: 'read', activity: { timeoutSeconds: 5, maximumAttempts: 1 } }], model: 'fake' };
      }
      return { kind: 'answer', text: generated.text, model: 'fake', ...(generated.alerts ? { alerts: generated.alerts } : {}) };
    },
    async recordToolCall(call) {
      record.toolCalls.push(call);
    },
    async previewToolAction() {
      throw new Error('fakeActivities: no write tools');
    },
    async previewHttpToolAction() {
      throw new Error('fakeActivities: no custom tools');
    },
    async 'tool.http'() {
      throw new Error('fakeActivities: no custom tools');
    },
    async createPaymentLink() {
      throw new Error('fakeActivities: no orders');
    },
    async paymentReminder() {
      throw new Error('fakeActivities: no orders');
    },
    async cancelUnpaidOrder() {
      throw new Error('fakeActivities: no orders');
    },
    async markOrderPaid() {
      throw new Error('fakeActivities: no orders');
    },
    /** Menu mode (no model): echoes the message, so a test sees the turn went to the menu. */
    async menuTurn({ text }) {
      return { reply: `Menu: ${text}` };
    },
    async changeReturnStatus() {
      throw new Error('fakeActivities: no returns');
    },
    async appointmentReminder() {
      throw new Error('fakeActivities: no appointments');
    },
    async completeAppointment() {
      throw new Error('fakeActivities: no appointments');
    },
    /** Published events are recorded once by id, as the event store keeps them. */
    async publishEvent(event) {
      if (!record.events.some((e) => e.id === event.id)) record.events.push(event);
      return { deliveries: 0 };
    },
    async deliverWebhook() {
      throw new Error('fakeActivities: no webhooks');
    },
    async markWebhookDeliveryFailed() {
      throw new Error('fakeActivities: no webhooks');
    },
    async followUpDue() {
      throw new Error('fakeActivities: no follow-ups');
    },
    async finishFollowUp() {
      throw new Error('fakeActivities: no follow-ups');
    },
    async renderDataChart() {
      throw new Error('fakeActivities: no charts');
    },
    async sendChart() {
      throw new Error('fakeActivities: no charts');
    },
    ...Object.fromEntries(
      (['startDataQuestion', 'retrieveDataContext', 'writeDataQuery', 'checkDataQuery', 'runDataQuery', 'writeDataAnswer', 'finishDataQuestion', 'buildDataReport', 'prepareStaffReport'] as const).map((name) => [name, async () => {
        throw new Error('fakeActivities: no data questions');
      }]),
    ) as unknown as Pick<Activities, 'startDataQuestion' | 'retrieveDataContext' | 'writeDataQuery' | 'checkDataQuery' | 'runDataQuery' | 'writeDataAnswer' | 'finishDataQuestion' | 'buildDataReport' | 'prepareStaffReport'>,
    ...Object.fromEntries(
      (['automationRunDue', 'finishAutomationRun', 'automationAddTag', 'automationSendTemplate', 'automationScheduleFollowUp', 'automationCallWebhook'] as const).map((name) => [name, async () => {
        throw new Error('fakeActivities: no automations');
      }]),
    ) as unknown as Pick<Activities, 'automationRunDue' | 'finishAutomationRun' | 'automationAddTag' | 'automationSendTemplate' | 'automationScheduleFollowUp' | 'automationCallWebhook'>,
    ...Object.fromEntries(
      (['refreshBehaviourTags', 'setCampaignStatus', 'takeCampaignSnapshot', 'nextCampaignRecipients', 'cancelQueuedRecipients', 'failCampaignRecipient', 'sendCampaignMessage'] as const).map((name) => [name, async () => {
        throw new Error('fakeActivities: no campaigns');
      }]),
    ) as unknown as Pick<Activities, 'refreshBehaviourTags' | 'setCampaignStatus' | 'takeCampaignSnapshot' | 'nextCampaignRecipients' | 'cancelQueuedRecipients' | 'failCampaignRecipient' | 'sendCampaignMessage'>,
    async writeHandoffNotice() {
      return behaviour.notice();
    },
    async sendReply({ conversationSid, body, idempotencyKey }) {
      await behaviour.beforeSend();
      if (!record.sent.some((s) => s.idempotencyKey === idempotencyKey)) record.sent.push({ conversationSid, body, idempotencyKey });
      return { messageSid: `IM-${idempotencyKey}`, author: 'agent', acceptedAt: new Date().toISOString() };
    },
    async recordReply(reply) {
      record.replies.push(reply);
    },
    async recordStatusChange(change) {
      record.statusChanges.push(change);
    },
    async raiseAlert(input) {
      const alert = { ...input, createdAt: new Date().toISOString() };
      if (!record.alerts.some((a) => a.id === input.id)) record.alerts.push(alert);
      return alert;
    },
    async waitForIntegration() {},
    async stopWaitingForIntegration() {},
    async isIntegrationActive() {
      return behaviour.integrationActive;
    },
    async postAlert() {
      return 'no_webhook_configured' as const;
    },
    async reconcileInbound() {
      return { checkedConversations: 0, recovered: 0 };
    },
    /** Summaries are recorded by their status change, as the table keeps them (once each). */
    async summarizeConversation(input) {
      if (!record.summaries.some((x) => x.conversationSid === input.conversationSid && x.trigger === input.trigger && x.sequence === input.sequence)) record.summaries.push(input);
      return null;
    },
    async computeDailyDigest() {
      throw new Error('fakeActivities: no reports');
    },
    async findOldTokens() {
      return { checked: 0, old: 0 };
    },
    /** No staff registered: alerts reach nobody on WhatsApp. */
    async staffAudience(input) {
      return { integrationId: input.integrationId, recipients: [] };
    },
    async staffConversation() {
      return { conversationSid: null };
    },
    async messageStaff(input) {
      return { workflowId: `staff-message:${input.key}` };
    },
  };
  return { activities, record, behaviour };
}
