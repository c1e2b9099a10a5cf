import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Campaigns: what the workflow, its activities and the API share. */

export const campaignWorkflowId = (campaignId: string) => `campaign:${campaignId}`;

export type CampaignStatus = 'draft' | 'scheduled' | 'running' | 'paused' | 'cancelled' | 'completed';

export interface CampaignRun {
  campaignId: string;
  /** When to begin (epoch ms); absent: at once. */
  sendAt?: number;
  /** Set across continue-as-new: the recipients were taken from the segment already. */
  snapshotTaken?: boolean;
  paused?: boolean;
  /** Recipients handled in earlier runs (progress only; the database is the truth). */
  handled?: number;
}

export interface CampaignRecipient {
  customerId: string;
}

/**
 * One recipient's outcome: sent (Twilio accepted), opted out since the snapshot, failed for good, or
 * deferred (the campaign was paused while this send waited for its turn: still queued), or cancelled
 * (the database says the campaign is cancelled: the workflow stops too).
 */
export interface CampaignSendResult {
  status: 'sent' | 'opted_out' | 'failed' | 'deferred' | 'cancelled';
  messageSid?: string;
  errorCode?: string;
}

export const pauseCampaignSignal = defineSignal('pauseCampaign');
export const resumeCampaignSignal = defineSignal('resumeCampaign');
export const cancelCampaignSignal = defineSignal('cancelCampaign');
export const campaignProgressQuery = defineQuery<{ status: CampaignStatus; handled: number }>('campaignProgress');
