/**
 * Names and message types shared by the workflows, the activities and the application.
 * Pure definitions only: this file is imported from inside the workflow sandbox.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';

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
export const searchAttributes = [IntegrationIdAttribute, CustomerPhoneAttribute, ConversationStatusAttribute];

export type ConversationStatus = 'bot' | 'waiting_for_human' | 'human' | 'closed';

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
}

export interface ConversationInput {
  integrationId: string;
  conversationSid: string;
  customerPhone: string;
  /** Quiet period that closes a burst of messages into one turn; 0 answers every message on its own. */
  coalesceWindowMs: number;
  /** Turns before the workflow continues as new, besides Temporal's own suggestion. */
  maxTurnsPerRun?: number;
  /** State carried over continue-as-new. */
  carried?: CarriedState;
}

export interface CarriedState {
  turn: number;
  pending: InboundMessage[];
  recentDedupeKeys: string[];
  transcript: TranscriptEntry[];
  status: ConversationStatus;
}

export interface TranscriptEntry {
  direction: 'inbound' | 'outbound';
  text: string;
  at: string;
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
  status: ConversationStatus;
}

export const inboundMessageSignal = defineSignal<[InboundMessage]>('inboundMessage');
/** Sent to turns waiting for a paused integration when an administrator resumes it. */
export const integrationResumedSignal = defineSignal('integrationResumed');
export const transcriptQuery = defineQuery<TranscriptEntry[]>('transcript');
export const statusQuery = defineQuery<ConversationStatus>('status');

/** How many dedupe keys a conversation remembers (across continue-as-new). */
export const DEDUPE_MEMORY = 1000;
/** How many transcript entries the workflow keeps in memory for the transcript query; the full history is in the database. */
export const TRANSCRIPT_MEMORY = 100;

/** An administrator alert (GET /api/alerts; POSTed to ALERT_WEBHOOK_URL). */
export interface Alert {
  id: string;
  integrationId: string | null;
  kind: 'twilio_auth_failed' | 'llm_auth_failed';
  message: string;
  createdAt: string;
}

export const alertWorkflowId = (alertId: string) => `alert:${alertId}`;
