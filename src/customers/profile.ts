import { z } from 'zod';

/** A customer's profile as the API shows it. */
export interface CustomerProfile {
  id: string;
  integrationId: string;
  phone: string;
  name: string | null;
  email: string | null;
  language: string | null;
  timeZone: string | null;
  tags: string[];
  behaviourTags: string[];
  consent: { marketing: 'opted_in' | 'opted_out' | null; changedAt: string | null; source: string | null };
  attributes: Record<string, string | number | boolean>;
  createdAt: string;
  lastSeenAt: string;
}

/** Who made a change, kept with it: the agent (with the message it came from), staff, the customer, an API client. */
export interface Provenance {
  source: 'agent' | 'staff' | 'customer' | 'api' | 'system';
  actor?: string | null;
  messageId?: string | null;
}

const validTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** Names of custom attributes (also the segment field `attributes.<name>`). */
export const ATTRIBUTE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** `attributes.<name>`: a custom attribute named in a segment rule or a campaign variable. */
export const ATTRIBUTE_FIELD = new RegExp(`^attributes\\.(${ATTRIBUTE_NAME.source.slice(1, -1)})$`);

const tag = z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9_:-]{0,39}$/, 'a tag is 1–40 letters, digits, _ : -');
const attributeValue = z.union([z.string().max(500), z.number().finite(), z.boolean()]);

/** A change to a profile. Tags are set, or added and removed; attributes merge, and `null` removes one. */
export const profilePatchSchema = z.strictObject({
  name: z.string().trim().min(1).max(120).nullable().optional(),
  email: z.email().max(254).nullable().optional(),
  language: z.enum(['en', 'es', 'de', 'fr', 'it', 'pt']).nullable().optional(),
  timeZone: z.string().refine(validTimeZone, 'an IANA time zone such as Europe/Madrid').nullable().optional(),
  tags: z.array(tag).max(50).optional(),
  addTags: z.array(tag).max(50).optional(),
  removeTags: z.array(tag).max(50).optional(),
  consent: z.enum(['opted_in', 'opted_out']).optional(),
  attributes: z
    .record(z.string().regex(ATTRIBUTE_NAME, 'attribute names are 1–64 letters, digits, _ -'), attributeValue.nullable())
    .refine((a) => Object.keys(a).length <= 50, 'at most 50 attributes in one change')
    .optional(),
});

/** A profile holds at most this many custom attributes. */
export const MAX_ATTRIBUTES = 100;
export type ProfilePatch = z.infer<typeof profilePatchSchema>;

export interface CustomerRow {
  id: string; integration_id: string; phone: string; name: string | null; email: string | null; language: string | null; time_zone: string | null;
  tags: string[]; behaviour_tags: string[]; marketing_consent: 'opted_in' | 'opted_out' | null; consent_changed_at: Date | null; consent_source: string | null;
  attributes: Record<string, string | number | boolean>; created_at: Date; last_seen_at: Date;
}

export const CUSTOMER_COLUMNS = `c.id, c.integration_id, c.phone, c.name, c.email, c.language, c.time_zone, c.tags, c.behaviour_tags, c.marketing_consent,
  c.consent_changed_at, c.consent_source, c.attributes, c.created_at, c.last_seen_at`;

export function toProfile(r: CustomerRow): CustomerProfile {
  return {
    id: r.id,
    integrationId: r.integration_id,
    phone: r.phone,
    name: r.name,
    email: r.email,
    language: r.language,
    timeZone: r.time_zone,
    tags: r.tags,
    behaviourTags: r.behaviour_tags,
    consent: { marketing: r.marketing_consent, changedAt: r.consent_changed_at ? new Date(r.consent_changed_at).toISOString() : null, source: r.consent_source },
    attributes: r.attributes,
    createdAt: new Date(r.created_at).toISOString(),
    lastSeenAt: new Date(r.last_seen_at).toISOString(),
  };
}

/** The field-by-field differences a patch makes: what gets written, and recorded as changes. */
export function diffProfile(current: CustomerProfile, patch: ProfilePatch): { field: string; from: unknown; to: unknown }[] {
  const changes: { field: string; from: unknown; to: unknown }[] = [];
  const scalar = (field: 'name' | 'email' | 'language' | 'timeZone') => {
    const to = patch[field];
    if (to !== undefined && to !== current[field]) changes.push({ field, from: current[field], to });
  };
  scalar('name');
  scalar('email');
  scalar('language');
  scalar('timeZone');
  let tags = patch.tags ?? current.tags;
  tags = [...new Set([...tags, ...(patch.addTags ?? [])])].filter((t) => !(patch.removeTags ?? []).includes(t));
  if (tags.join(',') !== current.tags.join(',')) changes.push({ field: 'tags', from: current.tags, to: tags });
  if (patch.consent !== undefined && patch.consent !== current.consent.marketing) changes.push({ field: 'consent', from: current.consent.marketing, to: patch.consent });
  for (const [key, value] of Object.entries(patch.attributes ?? {})) {
    const from = Object.hasOwn(current.attributes, key) ? current.attributes[key]! : null;
    if (value !== from) changes.push({ field: `attributes.${key}`, from, to: value });
  }
  return changes;
}
