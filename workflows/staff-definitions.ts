/**
 * Staff messages, shared by the workflows, the activities and the application.
 * Pure definitions only: this file is imported from inside the workflow sandbox.
 */
import type { Alert } from './definitions';

export type StaffRoleName = 'owner' | 'analyst' | 'agent';

/** A text to staff members, sent once per `key` to each of them. */
export interface MessageStaffInput {
  /** Only staff with these roles (all roles when absent). */
  roles?: StaffRoleName[];
  /** Only these staff members (by id). */
  staffIds?: string[];
  /** The integration whose number writes to them; null: the first active one. */
  integrationId: string | null;
  body: string;
  /** Makes the message once per staff member: their idempotency key is `<key>:staff:<staffId>`. */
  key: string;
  /** For an alert: only the staff subscribed to its kind. */
  alertKind?: Alert['kind'];
  /** A chart sent with the text (a scheduled report). */
  chartId?: string;
}

/** What happened to a staff message. */
export interface StaffMessageResult {
  recipients: number;
  sent: number;
  /** Outside the 24-hour window with no template configured. */
  held: number;
  /** No conversation could be opened, or Twilio refused the message; logged. */
  failed: number;
}

export const staffMessageWorkflowId = (key: string) => `staff-message:${key}`;
export const staffIdempotencyKey = (key: string, staffId: string) => `${key}:staff:${staffId}`;
