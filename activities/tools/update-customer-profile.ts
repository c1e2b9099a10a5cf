import { z } from 'zod';
import { ATTRIBUTE_NAME, profilePatchSchema } from '../../src/customers/profile';
import { defineTool } from './tool';

/**
 * The customer's own profile, as they state it: name, email, language, time zone, and custom
 * attributes (e.g. shoe size). Runs without a confirmation: it commits the business to nothing, acts
 * only on the conversation's customer, and each change is recorded with the message it came from.
 * Marketing consent is not here on purpose: only the customer's own keyword (STOP / START) or staff
 * change it, never the model's reading of a message.
 */
export const updateCustomerProfile = defineTool({
  name: 'update_customer_profile',
  description:
    "Save what the customer tells you about themselves: their name, email, preferred language, time zone, or other details worth remembering (attributes such as shoe size). Only what they said; never guess.",
  args: profilePatchSchema.pick({ name: true, email: true, language: true, timeZone: true }).extend({
    attributes: z.record(z.string().regex(ATTRIBUTE_NAME), z.union([z.string().max(200), z.number().finite(), z.boolean()])).optional()
      .describe('Other details, e.g. { "shoe_size": 42 }'),
  }).strict().refine((a) => Object.values(a).some((v) => v !== undefined), 'give at least one field to save'),
  risk: 'read',
  activity: { timeoutSeconds: 10, maximumAttempts: 3 },
  async run(args, { scope, services }) {
    const messageId = await services.customers.latestInboundMessageId(scope);
    const { profile, changed } = await services.customers.update(scope.customerId, args, { source: 'agent', messageId });
    return {
      result: changed.length
        ? { saved: changed, profile: { name: profile.name, email: profile.email, language: profile.language, timeZone: profile.timeZone, attributes: profile.attributes } }
        : { saved: [], note: 'Nothing changed: the profile already says this.' },
    };
  },
});
