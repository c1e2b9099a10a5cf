import type { Alert } from '../workflows/definitions';
import type { ActivityDeps } from './deps';

/** Delivery of administrator alerts to ALERT_WEBHOOK_URL; retried durably by the alert workflow. */
export function createAlertActivities({ config }: ActivityDeps) {
  return {
    async postAlert(alert: Alert): Promise<'posted' | 'no_webhook_configured'> {
      const alertWebhookUrl = config.alertWebhookUrl;
      if (!alertWebhookUrl) return 'no_webhook_configured';
      const response = await fetch(alertWebhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'alert', ...alert }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`The alert webhook answered ${response.status}`);
      return 'posted';
    },
  };
}
