import { ApplicationFailure } from '@temporalio/activity';
import { guardedFetch } from '../src/security/outbound-url';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signWebhook } from '../src/webhooks/webhook-signature';
import type { ActivityDeps } from './deps';

/** How long a receiver has to answer one delivery. */
const TIMEOUT_MS = 10_000;
/** Receivers answer briefly; a longer answer fails the attempt rather than fill memory. */
const MAX_RESPONSE_BYTES = 256 * 1024;
/** Statuses worth another attempt: the receiver is overloaded, slow or broken for now. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/** The webhook delivery workflow's steps: one signed POST per attempt, each outcome recorded. */
export function createWebhookActivities({ webhookDeliveries, config }: ActivityDeps) {
  return {
    /**
     * One attempt. Throws (retried by the workflow's policy) on a network error, a timeout, 408, 429
     * or 5xx; throws non-retryable on any other non-2xx (redirects are not followed).
     */
    async deliverWebhook({ deliveryId }: { deliveryId: string }): Promise<'delivered' | 'dropped'> {
      const target = await webhookDeliveries.target(deliveryId);
      if (!target) return 'dropped'; // the webhook was deleted
      if (target.status === 'delivered') return 'delivered';
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'whatsapp-agent-webhooks/1',
        [EVENT_ID_HEADER]: target.eventId,
        [SIGNATURE_HEADER]: signWebhook(target.secret, target.body),
      };
      const started = Date.now();
      const record = (statusCode: number | null, error: string | null) =>
        webhookDeliveries.recordAttempt(deliveryId, { at: new Date(started).toISOString(), statusCode, error, durationMs: Date.now() - started, delivered: error === null });
      let response: Awaited<ReturnType<typeof guardedFetch>>;
      try {
        // The SSRF guard runs again here: what the URL resolves to now is what is checked and called.
        response = await guardedFetch(target.url, { method: 'POST', headers, body: target.body }, { timeoutMs: TIMEOUT_MS, maxBytes: MAX_RESPONSE_BYTES, allowPrivate: config.allowPrivateUrls });
      } catch (err) {
        await record(null, (err as Error).message);
        throw err;
      }
      const { status } = response;
      if (status >= 200 && status < 300) {
        await record(status, null);
        return 'delivered';
      }
      const answer = response.body.toString('utf8', 0, 200).trim();
      const error = `The receiver answered HTTP ${status}${answer ? `: ${answer}` : ''}`;
      await record(status, error);
      if (!retryable(status)) throw ApplicationFailure.nonRetryable(error, 'WebhookRejected');
      const retryAfter = Number(response.headers['retry-after']);
      throw ApplicationFailure.create({ message: error, type: 'WebhookReceiverUnavailable', ...(status === 429 && retryAfter > 0 && { nextRetryDelay: Math.min(retryAfter, config.webhookRetry.maximumSeconds) * 1000 }) });
    },

    async markWebhookDeliveryFailed({ deliveryId, reason }: { deliveryId: string; reason?: string }): Promise<void> {
      await webhookDeliveries.markFailed(deliveryId, reason);
    },
  };
}
