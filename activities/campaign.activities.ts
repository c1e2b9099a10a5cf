import { NotFoundException } from '@nestjs/common';
import { ApplicationFailure } from '@temporalio/activity';
import { renderVariables } from '../src/campaigns/campaign-variables';
import type { CampaignSendResult, CampaignStatus } from '../workflows/campaign-definitions';
import type { ActivityDeps } from './deps';
import { SendFailure, sendToConversation } from './twilio.activities';

/** A campaign's steps (its recipients taken from the segment, each one's template sent once), and the behaviour tags segments use. */
export function createCampaignActivities(deps: ActivityDeps) {
  const { campaigns, segments, customers, conversations } = deps;
  return {
    /** Run by the behaviour-tags schedule. */
    async refreshBehaviourTags(): Promise<{ customersChanged: number }> {
      return { customersChanged: await segments.refreshBehaviourTags() };
    },

    async setCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void> {
      await campaigns.setStatus(input.campaignId, input.status);
    },

    /** The segment's members become the campaign's recipients (once); returns how many there are. */
    async takeCampaignSnapshot(input: { campaignId: string }): Promise<number> {
      const campaign = await campaigns.get(input.campaignId);
      const segment = await segments.get(campaign.segmentId);
      return campaigns.takeSnapshot(campaign.id, segment.rule);
    },

    async nextCampaignRecipients(input: { campaignId: string; limit: number }): Promise<string[]> {
      return campaigns.nextQueued(input.campaignId, input.limit);
    },

    async cancelQueuedRecipients(input: { campaignId: string }): Promise<void> {
      await campaigns.cancelQueued(input.campaignId);
    },

    async failCampaignRecipient(input: { campaignId: string; customerId: string; error: string }): Promise<void> {
      await campaigns.settleRecipient(input.campaignId, input.customerId, { status: 'failed', errorCode: input.error.slice(0, 200) });
    },

    /**
     * Sends the campaign's template to one recipient, on the rate-limited sends queue. Consent is read
     * again first, so an opt-out since the snapshot (or a STOP a second ago) is honoured. Sent once:
     * a recipient no longer queued returns what happened, and the Twilio send carries the idempotency
     * key `campaign:<id>:<customer>` that a retry looks for before sending again.
     */
    async sendCampaignMessage(input: { campaignId: string; customerId: string }): Promise<CampaignSendResult> {
      const recipient = await campaigns.recipient(input.campaignId, input.customerId);
      if (!recipient) throw ApplicationFailure.nonRetryable(`Customer ${input.customerId} is not a recipient of campaign ${input.campaignId}`);
      if (recipient.status !== 'queued') return { status: recipient.status === 'sent' ? 'sent' : recipient.status === 'opted_out' ? 'opted_out' : 'failed', messageSid: recipient.messageSid ?? undefined };
      const campaign = await campaigns.get(input.campaignId);
      // Sends queue up for the rate limit; one whose campaign was paused or cancelled meanwhile goes back.
      if (campaign.status === 'cancelled') return { status: 'cancelled' };
      if (campaign.status === 'paused') return { status: 'deferred' };
      // Erased (not found) means no consent; any other error is retried by the activity's policy.
      const profile = await customers.get(input.customerId).catch((err: unknown) => {
        if (err instanceof NotFoundException) return undefined;
        throw err;
      });
      if (!profile || profile.consent.marketing !== 'opted_in') {
        await campaigns.settleRecipient(input.campaignId, input.customerId, { status: 'opted_out' });
        return { status: 'opted_out' };
      }
      const variables = renderVariables(campaign.variables, profile);
      const idempotencyKey = `campaign:${campaign.id}:${input.customerId}`;
      // A send began before (another attempt, or an earlier activity before an integration pause): look for it first.
      const lookFirst = await campaigns.markAttempt(input.campaignId, input.customerId);
      try {
        const sent = await sendToConversation(deps, { integrationId: recipient.integrationId, conversationSid: recipient.conversationSid, idempotencyKey, lookFirst, kind: 'campaign' }, () => ({
          contentSid: campaign.contentSid,
          contentVariables: JSON.stringify(variables),
        }));
        await campaigns.settleRecipient(input.campaignId, input.customerId, { status: 'sent', messageSid: sent.messageSid });
        await conversations.recordReply({
          integrationId: recipient.integrationId, conversationSid: recipient.conversationSid, author: sent.author, idempotencyKey, messageSid: sent.messageSid,
          body: `[campaign "${campaign.name}": template ${campaign.contentSid} ${JSON.stringify(variables)}]`,
          acceptedAt: sent.acceptedAt, sentBy: `campaign:${campaign.id}`,
        });
        return { status: 'sent', messageSid: sent.messageSid };
      } catch (err) {
        // A permanent refusal for this recipient (not the integration's credentials) fails them alone.
        const failure = err instanceof ApplicationFailure ? err : undefined;
        if (failure?.type === SendFailure.rejected || failure?.type === SendFailure.outsideWindow) {
          const code = String((failure.details?.[0] as { code?: number } | undefined)?.code ?? failure.type);
          await campaigns.settleRecipient(input.campaignId, input.customerId, { status: 'failed', errorCode: code });
          return { status: 'failed', errorCode: code };
        }
        throw err;
      }
    },
  };
}
