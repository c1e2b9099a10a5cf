import { z } from 'zod';
import { ATTRIBUTE_FIELD, type CustomerProfile } from '../customers/profile';

/**
 * A campaign's template variables (`ContentVariables`): each is fixed text, or a profile field with a
 * fallback for customers who lack it, e.g. `{ "1": { "field": "name", "fallback": "there" }, "2": "20 %" }`.
 */
const PROFILE_FIELDS = ['name', 'email', 'phone', 'language', 'timeZone'] as const;
const fieldRef = z.string().refine((f) => (PROFILE_FIELDS as readonly string[]).includes(f) || ATTRIBUTE_FIELD.test(f), {
  message: `a profile field: ${PROFILE_FIELDS.join(', ')} or attributes.<name>`,
});

export const campaignVariablesSchema = z
  .record(
    z.string().regex(/^[1-9][0-9]?$/, 'variables are numbered as in the template: "1", "2", …'),
    z.union([z.string().max(1024), z.strictObject({ field: fieldRef, fallback: z.string().max(1024).default('') })]),
  )
  .refine((v) => Object.keys(v).length <= 20, 'at most 20 variables');
export type CampaignVariables = z.infer<typeof campaignVariablesSchema>;

/** The variables for one customer, from their profile at the moment of sending. */
export function renderVariables(variables: CampaignVariables, profile: CustomerProfile): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([key, spec]) => {
      if (typeof spec === 'string') return [key, spec];
      const name = spec.field.slice('attributes.'.length);
      const value = spec.field.startsWith('attributes.')
        ? (Object.hasOwn(profile.attributes, name) ? profile.attributes[name] : undefined)
        : profile[spec.field as (typeof PROFILE_FIELDS)[number]];
      const text = value === null || value === undefined || value === '' ? spec.fallback : String(value);
      // Templates refuse empty variables; a space keeps the message valid.
      return [key, text.trim() === '' ? ' ' : text.replace(/^whatsapp:/, '')];
    }),
  );
}
