/**
 * Names and message types of automation runs, shared by the workflow, its activities and the API.
 * Pure definitions only: this file is imported from inside the workflow sandbox.
 */
import { defineSignal } from '@temporalio/workflow';

/** A run's life: recorded with its event, waiting (`scheduled`), acting (`running`), then how it ended. */
export type AutomationRunStatus = 'scheduled' | 'running' | 'done' | 'skipped' | 'cancelled' | 'failed';
export const AUTOMATION_RUN_STATUSES: readonly AutomationRunStatus[] = ['scheduled', 'running', 'done', 'skipped', 'cancelled', 'failed'];

/** One run per rule and event: starting it twice (a retried publish, a repeated event) runs it once. */
export const automationRunWorkflowId = (automationId: string, eventId: string) => `automation:${automationId}:${eventId}`;

export interface AutomationRunInput {
  automationId: string;
  /** The rule's version the run was recorded under; an edit since then cancels it. */
  version: number;
  eventId: string;
  /** The rule's `after`, less the time since the event happened (a late start does not wait longer). */
  delayMs: number;
}

/** The rule was edited or deleted: a run still waiting stops, one acting stops before its next action. */
export const stopAutomationRunSignal = defineSignal<[{ reason: string }]>('stopAutomationRun');

/**
 * An action as the run performs it: read from the rule at the moment it is due, with its message
 * texts already filled in from the event and the customer's profile.
 */
export type PreparedAction =
  | { type: 'send_template'; contentSid: string; variables: Record<string, unknown>; requireOptIn: boolean }
  | { type: 'add_tag'; tag: string }
  | { type: 'start_follow_up'; inMs: number; message: string; audience: 'customer' | 'staff' }
  | { type: 'notify_staff'; message: string }
  /** The secret stays encrypted (CREDENTIALS_KEY) in the workflow's history; the activity decrypts it. */
  | { type: 'call_webhook'; url: string; secretEncrypted?: string };

/** What the rule says when the run is due: stop (with why), or act for the event's customer. */
export type AutomationRunDue =
  | { outcome: 'cancelled' | 'skipped'; reason: string }
  | { outcome: 'run'; integrationId: string | null; customerId: string | null; actions: PreparedAction[] };

/** How each action of a run went; `skipped` says why it did not apply (e.g. the customer opted out). */
export interface ActionOutcome {
  index: number;
  type: PreparedAction['type'];
  outcome: 'done' | 'skipped' | 'failed';
  detail?: string;
}

export interface AutomationRunDetail {
  reason?: string;
  actions?: ActionOutcome[];
}

export interface AutomationRunResult {
  status: Exclude<AutomationRunStatus, 'scheduled' | 'running'>;
  detail: AutomationRunDetail;
}
