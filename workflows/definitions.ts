/**
 * Names and message types shared by the workflows, the activities and the application.
 * Pure definitions only: this file is imported from inside the workflow sandbox.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BusinessHours } from './business-hours';
import type { MenuState, PendingAction } from './skill-definitions';

/** Task queue names, derived from the configured base name (TEMPORAL_TASK_QUEUE). */
export const taskQueues = (base: string) => ({
  /** Conversation and message workflows, CRM and LLM activities. */
  conversations: base,
  /** Twilio sends, on their own queue so their rate can be limited server-side. */
  sends: `${base}-sends`,
});

export const conversationWorkflowId = (integrationId: string, conversationSid: string) =>
  `conversation:${integrationId}:${conversationSid}`;

export const messageWorkflowId = (conversationWorkflow: string, turn: number) => `${conversationWorkflow}:turn-${turn}`;

export const IntegrationIdAttribute = defineSearchAttributeKey('IntegrationId', 'KEYWORD');
export const CustomerPhoneAttribute = defineSearchAttributeKey('CustomerPhone', 'KEYWORD');
export const ConversationStatusAttribute = defineSearchAttributeKey('ConversationStatus', 'KEYWORD');
/** The name of the agent who owns the conversation while a person does. */
export const AssignedAgentAttribute = defineSearchAttributeKey('AssignedAgent', 'KEYWORD');
export const searchAttributes = [IntegrationIdAttribute, CustomerPhoneAttribute, ConversationStatusAttribute, AssignedAgentAttribute];

/**
 * The hand-off state machine: bot → waiting_for_human → human → bot, and closed from any of them.
 * A customer message to a closed conversation opens it again with the bot.
 */
export type ConversationStatus = 'bot' | 'waiting_for_human' | 'human' | 'closed';
export const CONVERSATION_STATUSES: readonly ConversationStatus[] = ['bot', 'waiting_for_human', 'human', 'closed'];

/** Who or what changed a conversation's status; kept with every change (handoff_events). */
export type StatusChangeCause =
  | 'customer_request' // the customer asked for a person
  | 'llm_tool' // the language model called escalate_to_human
  | 'llm_unavailable' // the model failed after its retries
  | 'reply_held' // a reply could not go out (outside the 24-hour window, no template)
  | 'repeated_failures' // turns kept failing
  | 'tool_failed' // a confirmed action could not be completed
  | 'agent_takeover'
  | 'agent_handback'
  | 'agent_close'
  | 'customer_returned'; // a customer wrote to a closed conversation

/** A person calling the API: an agent's or administrator's API key. */
export interface Caller {
  id: string;
  name: string;
  role: 'admin' | 'agent';
}

/** What the hand-off updates answer and the `handoff` query returns. */
export interface HandoffState {
  status: ConversationStatus;
  assignedAgent: { id: string; name: string } | null;
  /** ISO time since when the customer waits for a person. */
  waitingSince: string | null;
}

/** Why an update was refused; the API answers 409 with the matching error code. */
export const HandoffRejection = {
  closed: 'ConversationClosed',
  ownedByAnother: 'OwnedByAnotherAgent',
  notOwner: 'NotConversationOwner',
  notWithHuman: 'NotWithHuman',
  alreadyWithBot: 'AlreadyWithBot',
  invalidMessage: 'InvalidAgentMessage',
} as const;

/** Longest text an agent may send in one message (WhatsApp's limit for a text message). */
export const AGENT_MESSAGE_MAX_LENGTH = 4096;

/** Hand-off timers: the holding message and alert after `slaMs` waiting, then reminders. */
export interface HandoffTimers {
  slaMs: number;
  reminderMs: number;
  maxReminders: number;
}

/** One customer message as the webhook accepted it. */
export interface InboundMessage {
  /** The dedupe key of the webhook event (idempotency token, MessageSid or a hash of its fields). */
  dedupeKey: string;
  body: string;
  author: string;
  messageSid?: string;
  media?: unknown[];
  /** ISO time the webhook received it; the reply latency is measured from here. */
  receivedAt: string;
  /** What the webhook redacted from `body` (`card`, or a configured pattern's name); absent when nothing. */
  redactions?: string[];
}

/**
 * The message policies a conversation applies, as of its latest turn (from the integration's
 * policies: limits, holding message, business hours).
 */
export interface TurnPolicy {
  /** Messages per minute beyond which the customer's burst waits and is answered once per interval. */
  messagesPerMinute: number;
  throttledReplyIntervalMs: number;
  /** A holding message goes out when the reply is not out after this long; 0 = never. */
  holdingMessageMs: number;
  /** When a person is around; outside these hours hand-off messages say when the team is back. */
  businessHours?: BusinessHours;
}

export interface ConversationInput {
  integrationId: string;
  conversationSid: string;
  customerPhone: string;
  /** Quiet period that closes a burst of messages into one turn; 0 answers every message on its own. */
  coalesceWindowMs: number;
  /** Turns before the workflow continues as new, besides Temporal's own suggestion. */
  maxTurnsPerRun?: number;
  /** Hand-off SLA timers (HANDOFF_SLA_MINUTES, HANDOFF_REMINDER_MINUTES); defaults apply when absent. */
  handoff?: HandoffTimers;
  /** State carried over continue-as-new. */
  carried?: CarriedState;
}

export interface CarriedState {
  turn: number;
  pending: InboundMessage[];
  recentDedupeKeys: string[];
  transcript: TranscriptEntry[];
  status: ConversationStatus;
  assignedAgent?: { id: string; name: string } | null;
  waitingSince?: string | null;
  /** Language of the customer's hand-off request, for the holding message (en, es, de, fr, it, pt). */
  language?: string;
  /** Holding message and reminders already done for the current wait. */
  sla?: { holdingSent: boolean; reminders: number };
  /** Status changes so far: numbers each change's record. */
  transitions?: number;
  /** Agent messages so far: numbers their idempotency keys. */
  agentMessages?: number;
  /** Turns in a row that failed; at REPEATED_FAILURES the conversation goes to a person. */
  failedTurns?: number;
  /** Workflow times of the customer's messages in the last minute, for the rate limit. */
  recentInbound?: number[];
  /** Workflow time the latest turn started. */
  lastTurnAt?: number;
  /** The message policies as of the latest turn. */
  policy?: TurnPolicy;
  /** The customer has been told why data was removed from a message (once per conversation). */
  redactionNoticeSent?: boolean;
  /** A side effect summarised to the customer, waiting for their YES. */
  pendingAction?: PendingAction;
  /** Where the customer is in menu mode (no language model). */
  menu?: MenuState;
}

export interface TranscriptEntry {
  /** `tool`: a tool call of the agent (`text` names it and its outcome). */
  direction: 'inbound' | 'outbound' | 'tool';
  text: string;
  at: string;
  /** For outbound entries: `bot` or `agent:<name>`. */
  sentBy?: string;
  /** For outbound entries: the Twilio message sid the reply was accepted under. */
  messageSid?: string;
}

export interface TurnInput {
  integrationId: string;
  conversationSid: string;
  customerPhone: string;
  messages: InboundMessage[];
}

export interface TurnResult {
  reply: string;
  /** Absent when the reply was held (outside the 24-hour window with no template configured). */
  messageSid?: string;
  /** Set when the turn asks for a person; the conversation workflow changes the status. */
  escalation?: { cause: StatusChangeCause; reason?: string; language?: string };
  /** True when a person took over while the turn ran, so its reply was not sent. */
  suppressed?: boolean;
  /** The message policies the turn was given (absent in turns recorded before them). */
  policy?: TurnPolicy;
  /** The reply told the customer why data was removed from their message. */
  toldRedaction?: boolean;
  /** The holding message sent before a slow reply. */
  holding?: { text: string; at: string; messageSid: string };
  /** The side effect now waiting for the customer's YES; null when the turn settled the one before. */
  pendingAction?: PendingAction | null;
  /** Menu mode's state after the turn; null when its flow ended. */
  menu?: MenuState | null;
  /** The tool calls the turn made, for the transcript. */
  toolCalls?: { name: string; outcome: string }[];
  /** @deprecated Kept for histories of earlier turns; read `escalation`. */
  status?: ConversationStatus;
}

export const inboundMessageSignal = defineSignal<[InboundMessage]>('inboundMessage');
/** Sent to turns waiting for a paused integration when an administrator resumes it. */
export const integrationResumedSignal = defineSignal('integrationResumed');
export const transcriptQuery = defineQuery<TranscriptEntry[]>('transcript');
export const statusQuery = defineQuery<ConversationStatus>('status');
export const handoffQuery = defineQuery<HandoffState>('handoff');

/** A person takes the conversation over; the bot stops answering. Admins may take it from another agent. */
export const takeOverUpdate = defineUpdate<HandoffState, [Caller]>('takeOver');
/** The owning agent's message to the customer, sent through the same send policy as the bot's. */
export const sendAgentMessageUpdate = defineUpdate<AgentMessageResult, [{ caller: Caller; body: string }]>('sendAgentMessage');

/** An agent message's outcome: sent (messageSid), held (outside the 24-hour window), or dropped (the agent no longer owned the conversation when its turn to go out came). */
export interface AgentMessageResult {
  messageSid?: string;
  heldReason?: string;
  dropped?: boolean;
}
/** The conversation goes back to the bot. */
export const handBackUpdate = defineUpdate<HandoffState, [Caller]>('handBack');
export const closeUpdate = defineUpdate<HandoffState, [Caller]>('close');
/** From a conversation to its running turn: a person took over, so the turn must not send its reply. */
export const humanTookOverSignal = defineSignal('humanTookOver');

/** How many dedupe keys a conversation remembers (across continue-as-new). */
export const DEDUPE_MEMORY = 1000;
/** How many transcript entries the workflow keeps in memory for the transcript query; the full history is in the database. */
export const TRANSCRIPT_MEMORY = 100;

/** An administrator alert (GET /api/alerts; POSTed to ALERT_WEBHOOK_URL). */
export interface Alert {
  id: string;
  integrationId: string | null;
  kind:
    | 'twilio_auth_failed'
    | 'llm_auth_failed'
    | 'handoff_requested'
    | 'handoff_sla_missed'
    | 'handoff_reminder'
    | 'llm_budget_warning' // 80 % of a daily token budget used
    | 'llm_budget_exhausted'
    | 'follow_up_due' // a staff follow-up about a customer (POST /api/follow-ups, audience staff) is due
    | 'automation' // an automation rule's notify_staff action (POST /api/automations)
    | 'high_value_order' // an order paid with a total of at least HIGH_VALUE_ORDER_AMOUNT
    | 'negative_sentiment' // a customer's message reads clearly angry (once per conversation a day)
    | 'token_old'; // an integration's Twilio auth token is older than TOKEN_MAX_AGE_DAYS (once per token)
  message: string;
  createdAt: string;
}

export const alertWorkflowId = (alertId: string) => `alert:${alertId}`;
