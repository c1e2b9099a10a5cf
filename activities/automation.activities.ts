import { ApplicationFailure } from '@temporalio/activity';
import { renderVariables } from '../src/campaigns/campaign-variables';
import type { CustomerProfile } from '../src/customers/profile';
import { checkEventConditions, fillPlaceholders, parseDuration, type StoredAction } from '../src/automations/automation-definition';
import { guardedFetch, OutboundUrlError } from '../src/security/outbound-url';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook } from '../src/webhooks/webhook-signature';
import type { ActionOutcome, AutomationRunDetail, AutomationRunDue, AutomationRunStatus, PreparedAction } from '../workflows/automation-definitions';
import type { FollowUpWorkflowInput } from '../workflows/skill-definitions';
import type { ActivityDeps } from './deps';
import { SendFailure, sendToConversation } from './twilio.activities';

/** How long a receiver has to answer; and a cap on what it answers, which is not read anyway. */
const WEBHOOK_TIMEOUT_MS = 10_000;
const WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024;

type Outcome = Pick<ActionOutcome, 'outcome' | 'detail'>;
const skipped = (detail: string): Outcome => ({ outcome: 'skipped', detail });

/**
 * An automation run's steps: what the rule says when the run is due (still the same version, its
 * conditions met), then each action, idempotent under its key (`<run workflow id>:<action index>`).
 */
export function createAutomationActivities(deps: ActivityDeps) {
  const { automations, customers, followUps, conversations, config } = deps;
  const profileOf = (customerId: string): Promise<CustomerProfile | undefined> => customers.get(customerId).catch(() => undefined);

  return {
    async automationRunDue(input: { automationId: string; version: number; eventId: string }): Promise<AutomationRunDue> {
      const rule = await automations.definition(input.automationId);
      if (!rule) return { outcome: 'cancelled', reason: 'the rule was deleted' };
      if (rule.version !== input.version) return { outcome: 'cancelled', reason: `the rule was edited (now version ${rule.version})` };
      if (!rule.enabled) return { outcome: 'cancelled', reason: 'the rule is disabled' };
      const event = await automations.event(input.eventId);
      if (!event) return { outcome: 'cancelled', reason: 'the event is no longer stored' };
      const profile = event.customerId ? await profileOf(event.customerId) : undefined;
      const { segment, event: conditions } = rule.definition.if ?? {};
      if (segment) {
        if (!profile) return { outcome: 'skipped', reason: 'the event is about no (current) customer' };
        if (!(await automations.customerMatches(profile.id, segment))) return { outcome: 'skipped', reason: "the customer is not in the rule's segment" };
      }
      if (conditions) {
        const check = checkEventConditions(conditions, event.data);
        if (!check.met) return { outcome: 'skipped', reason: check.reason };
      }
      // Placeholders read the event's data, the customer as they are now, and the event itself.
      const context = { ...event.data, ...(profile ? { customer: profile } : {}), event: { id: event.id, type: event.type, createdAt: event.createdAt } };
      const actions = rule.definition.then.map((a) => prepare(a, context));
      await automations.setRunStatus(input.automationId, input.eventId, 'running');
      return { outcome: 'run', integrationId: event.integrationId ?? profile?.integrationId ?? null, customerId: profile?.id ?? null, actions };
    },

    async finishAutomationRun(input: { automationId: string; eventId: string; status: AutomationRunStatus; detail: AutomationRunDetail }): Promise<void> {
      await automations.setRunStatus(input.automationId, input.eventId, input.status, input.detail);
    },

    /** Adds the tag, recorded as the system's change on behalf of the rule. */
    async automationAddTag(input: { automationId: string; customerId: string; tag: string }): Promise<Outcome> {
      if (!(await profileOf(input.customerId))) return skipped('the customer was erased');
      const { changed } = await customers.update(input.customerId, { addTags: [input.tag] }, { source: 'system', actor: `automation:${input.automationId}` });
      return { outcome: 'done', detail: changed.length > 0 ? `tagged ${input.tag}` : `already tagged ${input.tag}` };
    },

    /**
     * The approved template to the customer in their latest conversation, unless they opted out (or,
     * with `requireOptIn`, did not opt in). Consent is read at the moment of sending. Sent once: the
     * Twilio message carries the action's key, which a retry looks for first.
     */
    async automationSendTemplate(input: { key: string; automationId: string; customerId: string; contentSid: string; variables: Record<string, unknown>; requireOptIn: boolean }): Promise<Outcome> {
      const profile = await profileOf(input.customerId);
      if (!profile) return skipped('the customer was erased');
      if (profile.consent.marketing === 'opted_out') return skipped('the customer opted out of marketing');
      if (input.requireOptIn && profile.consent.marketing !== 'opted_in') return skipped('the customer has not opted in to marketing');
      const conversation = await automations.latestConversation(input.customerId);
      if (!conversation) return skipped('the customer has no conversation');
      const variables = renderVariables(input.variables as Parameters<typeof renderVariables>[0], profile);
      try {
        const sent = await sendToConversation(deps, { ...conversation, idempotencyKey: input.key, kind: 'automation' }, () => ({ contentSid: input.contentSid, contentVariables: JSON.stringify(variables) }));
        await conversations.recordReply({
          ...conversation, author: sent.author, idempotencyKey: input.key, messageSid: sent.messageSid, acceptedAt: sent.acceptedAt,
          body: `[automation: template ${input.contentSid} ${JSON.stringify(variables)}]`, sentBy: `automation:${input.automationId}`,
        });
        return { outcome: 'done', detail: `sent ${sent.messageSid}` };
      } catch (err) {
        // Refused for this customer (not the integration's credentials, which the workflow waits out).
        const failure = err instanceof ApplicationFailure ? err : undefined;
        if (failure?.type === SendFailure.rejected || failure?.type === SendFailure.outsideWindow) return { outcome: 'failed', detail: failure.message };
        throw err;
      }
    },

    /** Records the follow-up (once per key); the workflow starts it as `follow-up:<id>`. */
    async automationScheduleFollowUp(input: { key: string; automationId: string; customerId: string; inMs: number; message: string; audience: 'customer' | 'staff' }): Promise<Outcome & { followUp?: FollowUpWorkflowInput }> {
      const profile = await profileOf(input.customerId);
      if (!profile) return skipped('the customer was erased');
      const conversation = await automations.latestConversation(input.customerId);
      if (input.audience === 'customer' && !conversation) return skipped('the customer has no conversation');
      const f = await followUps.schedule({
        integrationId: profile.integrationId, customerId: profile.id, conversationSid: conversation?.conversationSid ?? null, audience: input.audience,
        dueAt: Date.now() + input.inMs, message: input.message, createdBy: `automation:${input.automationId}`, requestKey: input.key,
      });
      const followUp: FollowUpWorkflowInput = {
        followUpId: f.id, integrationId: f.integrationId, audience: f.audience, dueAt: Date.parse(f.dueAt), ...(f.conversationSid ? { conversationSid: f.conversationSid } : {}),
      };
      return { outcome: 'done', detail: `follow-up ${f.id} at ${f.dueAt}`, followUp };
    },

    /**
     * POSTs the event (`{ id, type, createdAt, data }`, as webhooks receive it), signed like webhooks
     * when the action has a secret, through the SSRF guard. Network errors, 408, 429 and 5xx are
     * retried; any other answer fails the action.
     */
    async automationCallWebhook(input: { key: string; eventId: string; url: string; secretEncrypted?: string }): Promise<Outcome> {
      const event = await automations.event(input.eventId);
      if (!event) return skipped('the event is no longer stored');
      const body = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: event.data });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'whatsapp-agent-automations/1', [EVENT_ID_HEADER]: event.id, 'idempotency-key': input.key };
      if (input.secretEncrypted) headers[SIGNATURE_HEADER] = signWebhook(automations.decryptSecret(input.secretEncrypted), body);
      let status: number;
      try {
        ({ status } = await guardedFetch(input.url, { method: 'POST', headers, body }, { timeoutMs: WEBHOOK_TIMEOUT_MS, maxBytes: WEBHOOK_MAX_RESPONSE_BYTES, allowPrivate: config.allowPrivateUrls }));
      } catch (err) {
        if (err instanceof OutboundUrlError && err.code === 'refused_url') throw ApplicationFailure.nonRetryable(err.message, 'WebhookRefused');
        throw err;
      }
      if (status >= 200 && status < 300) return { outcome: 'done', detail: `HTTP ${status}` };
      const message = `The receiver answered HTTP ${status}`;
      if (status === 408 || status === 429 || status >= 500) throw ApplicationFailure.create({ message, type: 'WebhookReceiverUnavailable' });
      throw ApplicationFailure.nonRetryable(message, 'WebhookRejected');
    },
  };
}

/** The action as the run performs it: durations in ms, texts with their placeholders filled. */
function prepare(action: StoredAction, context: Record<string, unknown>): PreparedAction {
  switch (action.type) {
    case 'send_template': {
      const variables = Object.fromEntries(Object.entries(action.variables).map(([k, v]) => [k, typeof v === 'string' ? fillPlaceholders(v, context) : v]));
      return { type: action.type, contentSid: action.contentSid, variables, requireOptIn: action.requireOptIn };
    }
    case 'add_tag':
      return action;
    case 'start_follow_up':
      return { type: action.type, inMs: parseDuration(action.in) ?? 0, message: fillPlaceholders(action.message, context), audience: action.audience };
    case 'notify_staff':
      return { type: action.type, message: fillPlaceholders(action.message, context) };
    case 'call_webhook':
      return { type: action.type, url: action.url, ...(action.secretEncrypted ? { secretEncrypted: action.secretEncrypted } : {}) };
  }
}
