import { Context } from '@temporalio/activity';
import { startAlertDelivery } from '../src/alerts/start-alert-delivery';
import type { ActivityDeps } from './deps';

const DAY_MS = 86_400_000;

/** The daily check of Twilio auth tokens' age (TOKEN_MAX_AGE_DAYS); see workflows/token-age.workflow.ts. */
export function createTokenAgeActivities({ integrations, alerts, config }: ActivityDeps) {
  return {
    /**
     * Raises `token_old` for each Twilio integration whose current token is older than the limit:
     * once per token (the alert's key is the integration and when its token was set), so a rotation
     * ends the incident and a later one starts a new one. Idempotent: a retry raises nothing twice.
     */
    async findOldTokens(): Promise<{ checked: number; old: number }> {
      if (config.tokenMaxAgeDays === 0) return { checked: 0, old: 0 };
      let checked = 0;
      let old = 0;
      const now = Date.now();
      for (const integration of await integrations.list()) {
        if (integration.kind !== 'twilio') continue;
        checked++;
        const setAt = new Date(integration.authTokenSetAt);
        const days = Math.floor((now - setAt.getTime()) / DAY_MS);
        if (days < config.tokenMaxAgeDays) continue;
        old++;
        const message = `The Twilio auth token of integration "${integration.name}" was set ${days} days ago (limit ${config.tokenMaxAgeDays}): create a new one in the Twilio Console and set it with PATCH /api/integrations/${integration.id} {"authToken": …}; webhooks signed with the old one keep being accepted for ${config.tokenRotationWindowMinutes} minutes.`;
        const alert = await alerts.raiseOnce('token_old', message, integration.id, `${integration.id}:${setAt.toISOString()}`);
        if (alert) await startAlertDelivery(Context.current().client, config, alert);
      }
      return { checked, old };
    },
  };
}
