import type { Alert } from '../../workflows/definitions';

/** Who a staff number belongs to: owners run the business, analysts ask about its data, agents answer customers. */
export const STAFF_ROLES = ['owner', 'analyst', 'agent'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * What a staff member can subscribe to: the alert kinds, with the two "credentials rejected" kinds
 * grouped as what they mean to staff, `integration_paused`.
 */
export const NOTIFY_KINDS = [
  'handoff_requested',
  'handoff_sla_missed',
  'handoff_reminder',
  'high_value_order',
  'negative_sentiment',
  'integration_paused',
  'llm_budget_warning',
  'llm_budget_exhausted',
  'follow_up_due',
  'automation',
] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

const HANDOFF_KINDS: readonly NotifyKind[] = ['handoff_requested', 'handoff_sla_missed', 'handoff_reminder'];

/** What a role receives until someone chooses for them: owners everything, agents the hand-offs, analysts nothing. */
export function defaultNotify(role: StaffRole): NotifyKind[] {
  if (role === 'owner') return [...NOTIFY_KINDS];
  if (role === 'agent') return [...HANDOFF_KINDS];
  return [];
}

/** The subscription an alert kind falls under; undefined for a kind staff cannot subscribe to. */
export function notifyKindOf(kind: Alert['kind']): NotifyKind | undefined {
  if (kind === 'twilio_auth_failed' || kind === 'llm_auth_failed') return 'integration_paused';
  return (NOTIFY_KINDS as readonly string[]).includes(kind) ? (kind as NotifyKind) : undefined;
}
