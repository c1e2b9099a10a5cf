/**
 * Names and message types of the agent's skills: tool calls, confirmations, and the business
 * processes (orders, appointments) that run as their own workflows. Pure definitions, imported from
 * inside the workflow sandbox.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** A tool's activity options, from the tool registry. */
export interface ToolActivityOptions {
  timeoutSeconds: number;
  maximumAttempts: number;
  /** A custom HTTP tool (POST /api/tools): it runs as the shared `tool.http` activity, not `tool.<name>`. */
  custom?: true;
}

/** A tool call the model asked for, as the step activity checked it: valid arguments, or the error the model reads. */
export interface CheckedToolCall {
  /** The model's id of the call. */
  id: string;
  name: string;
  /** The model's raw arguments (JSON text). */
  arguments: string;
  /** Valid arguments (absent when invalid). */
  args?: unknown;
  error?: string;
  risk?: 'read' | 'write' | 'approval';
  activity?: ToolActivityOptions;
}

/** This turn's exchange with the model beyond the conversation's messages: its tool calls and their results. */
export type ScratchMessage =
  | { role: 'assistant'; content: string | null; toolCalls: { id: string; name: string; arguments: string }[] }
  | { role: 'tool'; toolCallId: string; content: string };

/**
 * A side effect the customer was shown a summary of, bound to the hash of its validated arguments.
 * Only their YES before `expiresAt` runs it, once (idempotency key: workflow id + hash).
 */
export interface PendingAction {
  tool: string;
  args: unknown;
  hash: string;
  /** The proposing call's key in tool_calls. */
  callKey: string;
  summary: string;
  /** Workflow time (ms) after which a YES no longer runs it. */
  expiresAt: number;
  activity: ToolActivityOptions;
  language: string;
  /** What the summary rested on (its total, the booking it named): the action runs only while it holds. */
  quote?: Record<string, unknown>;
  /** When the summary reached the customer (ISO): only messages written after it can confirm it. */
  shownAt?: string;
}

/** A long-lived business process a confirmed action starts, each its own workflow. */
export type BusinessProcess =
  | { kind: 'order'; orderId: string; number: string; paymentTimeoutMs: number; language: string }
  | { kind: 'appointment'; appointmentId: string; startsAt: number; endsAt: number; language: string }
  | { kind: 'return'; returnId: string; language: string; autoApprove: boolean }
  /** A change to a running appointment workflow (a signal, not a new workflow). */
  | { kind: 'appointment_change'; appointmentId: string; change: 'cancelled' | 'rescheduled'; startsAt?: number; endsAt?: number }
  /** A follow-up the customer asked the agent for (set_follow_up): a message to them at `dueAt`. */
  | { kind: 'follow_up'; followUpId: string; dueAt: number };

export const orderWorkflowId = (number: string) => `order:${number}`;

export const followUpWorkflowId = (followUpId: string) => `follow-up:${followUpId}`;

export type FollowUpStatus = 'scheduled' | 'sent' | 'cancelled' | 'failed';

export interface FollowUpWorkflowInput {
  followUpId: string;
  integrationId: string;
  /** The customer's conversation (absent for a staff reminder about a customer who never wrote). */
  conversationSid?: string;
  audience: 'customer' | 'staff';
  /** Epoch ms. */
  dueAt: number;
}

/** The follow-up was cancelled (DELETE /api/follow-ups/:id): nothing is sent. */
export const followUpCancelledSignal = defineSignal('followUpCancelled');

export interface OrderWorkflowInput {
  orderId: string;
  number: string;
  integrationId: string;
  conversationSid: string;
  language: string;
  /** One reminder after this long unpaid; cancelled after twice this long. */
  paymentTimeoutMs: number;
}

/** The payment provider confirmed the payment (the sandbox pay page, or Stripe's webhook). */
export const orderPaidSignal = defineSignal<[{ provider: string; reference: string }]>('orderPaid');
export const orderStatusQuery = defineQuery<'awaiting_payment' | 'paid' | 'cancelled'>('orderStatus');

export const appointmentWorkflowId = (appointmentId: string) => `appointment:${appointmentId}`;

export interface AppointmentWorkflowInput {
  appointmentId: string;
  integrationId: string;
  conversationSid: string;
  language: string;
  /** Epoch ms. */
  startsAt: number;
  endsAt: number;
}

export const appointmentCancelledSignal = defineSignal('appointmentCancelled');
export const appointmentRescheduledSignal = defineSignal<[{ startsAt: number; endsAt: number }]>('appointmentRescheduled');

export const returnWorkflowId = (returnId: string) => `return:${returnId}`;

export type ReturnStatus = 'requested' | 'approved' | 'rejected' | 'received' | 'refunded' | 'exchanged';

/** requested → approved/rejected → received → refunded/exchanged: the only moves a return makes (the workflow and the database both hold to it). */
export const RETURN_TRANSITIONS: Record<ReturnStatus, ReturnStatus[]> = {
  requested: ['approved', 'rejected'],
  approved: ['received'],
  received: ['refunded', 'exchanged'],
  rejected: [],
  refunded: [],
  exchanged: [],
};

export interface ReturnWorkflowInput {
  returnId: string;
  integrationId: string;
  conversationSid: string;
  language: string;
  /** The business's rule approved it (its value is under the auto-approve limit): no staff decision awaited. */
  autoApprove: boolean;
}

/** A staff member moves the return on (approve, reject, received, refunded, exchanged); refused when the move is not allowed now. */
export const returnStepUpdate = defineUpdate<{ status: ReturnStatus }, [{ to: ReturnStatus; by: string; note?: string }]>('returnStep');
export const returnStatusQuery = defineQuery<ReturnStatus>('returnStatus');

/**
 * Where a customer is in menu mode (no language model): the flow, its step, the arguments gathered
 * so far, and the numbered choices last shown.
 */
export interface MenuState {
  flow: 'question' | 'products' | 'order' | 'return' | 'appointments' | 'slot';
  step: number;
  args: Record<string, unknown>;
  choices?: { label: string; value: Record<string, unknown> }[];
}
