import { randomUUID } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import { CUSTOMER_FACTS, compileSegmentRule, type SegmentRule } from '../segments/segment-rule';
import type { CampaignStatus } from '../../workflows/campaign-definitions';
import type { CampaignVariables } from './campaign-variables';

export interface Campaign {
  id: string;
  name: string;
  segmentId: string;
  contentSid: string;
  variables: CampaignVariables;
  sendAt: string | null;
  status: CampaignStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Where a campaign stands: recipients by outcome, and what Twilio reported back for the sent ones. */
export interface CampaignFigures {
  recipients: number;
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  optedOut: number;
  notOptedIn: number;
  cancelled: number;
  replied: number;
}

export interface CampaignRecipientRow {
  customerId: string;
  integrationId: string;
  conversationSid: string;
  status: 'queued' | 'sent' | 'failed' | 'opted_out' | 'not_opted_in' | 'cancelled';
  messageSid: string | null;
}

type Row = { id: string; name: string; segment_id: string; content_sid: string; variables: CampaignVariables; send_at: Date | null; status: CampaignStatus; created_at: Date; started_at: Date | null; finished_at: Date | null };
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const toCampaign = (r: Row): Campaign => ({
  id: r.id, name: r.name, segmentId: r.segment_id, contentSid: r.content_sid, variables: r.variables, sendAt: iso(r.send_at), status: r.status,
  createdAt: new Date(r.created_at).toISOString(), startedAt: iso(r.started_at), finishedAt: iso(r.finished_at),
});

/**
 * Campaigns and their recipients. The recipient rows are the campaign's durable progress: taken once
 * from the segment, each moved out of `queued` exactly once, so a crashed or continued workflow picks
 * up where the table says.
 */
@Injectable()
export class CampaignsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(input: { name: string; segmentId: string; contentSid: string; variables: CampaignVariables; sendAt?: string }): Promise<Campaign> {
    const [row] = await queryRows<Row>(this.db,
      `INSERT INTO campaigns (id, name, segment_id, content_sid, variables, send_at, status) VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'draft') RETURNING *`,
      [randomUUID(), input.name, input.segmentId, input.contentSid, JSON.stringify(input.variables), input.sendAt ?? null]);
    return toCampaign(row!);
  }

  async list(): Promise<Campaign[]> {
    return (await queryRows<Row>(this.db, `SELECT * FROM campaigns ORDER BY created_at DESC LIMIT 200`)).map(toCampaign);
  }

  async get(id: string): Promise<Campaign> {
    const [row] = await queryRows<Row>(this.db, `SELECT * FROM campaigns WHERE id = $1`, [id]);
    if (!row) throw new NotFoundException({ error: 'not_found', message: `No campaign ${id}` });
    return toCampaign(row);
  }

  /** Moves a draft to `to`, once: false when it is no longer a draft (started or cancelled meanwhile). */
  async leaveDraft(id: string, to: 'scheduled' | 'running' | 'cancelled'): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(this.db,
      `UPDATE campaigns SET status = $2, finished_at = CASE WHEN $2 = 'cancelled' THEN now() END WHERE id = $1 AND status = 'draft' RETURNING id`, [id, to]);
    return rows.length > 0;
  }

  /** Back to draft when its workflow could not be started, so it can be started again. */
  async backToDraft(id: string): Promise<void> {
    await this.db.query(`UPDATE campaigns SET status = 'draft' WHERE id = $1 AND status IN ('scheduled', 'running') AND started_at IS NULL`, [id]);
  }

  /** Records the workflow's status; the first `running` sets when it started, an end sets when it finished. */
  async setStatus(id: string, status: CampaignStatus): Promise<void> {
    await this.db.query(
      `UPDATE campaigns SET status = $2,
         started_at = CASE WHEN $2 = 'running' THEN COALESCE(started_at, now()) ELSE started_at END,
         finished_at = CASE WHEN $2 IN ('completed', 'cancelled') THEN COALESCE(finished_at, now()) ELSE finished_at END
       WHERE id = $1 AND status NOT IN ('completed', 'cancelled')`,
      [id, status]);
  }

  /**
   * Takes the segment's members as recipients, each in their latest conversation: `queued` when they
   * opted in to marketing, else `opted_out` / `not_opted_in` (counted, never sent). One statement; a
   * repeat (a retried activity) adds only members who joined the segment in between, never a second row.
   * Customers with no conversation (never wrote in) cannot be reached and are not recipients.
   */
  async takeSnapshot(id: string, rule: SegmentRule): Promise<number> {
    const params: unknown[] = [id];
    const condition = compileSegmentRule(rule, params);
    await this.db.query(
      `INSERT INTO campaign_recipients (campaign_id, customer_id, integration_id, conversation_sid, status)
       SELECT $1, m.id, m.integration_id, cv.conversation_sid,
              CASE m.marketing_consent WHEN 'opted_in' THEN 'queued' WHEN 'opted_out' THEN 'opted_out' ELSE 'not_opted_in' END
       FROM (SELECT c.id, c.integration_id, c.marketing_consent ${CUSTOMER_FACTS} AND ${condition}) m
       CROSS JOIN LATERAL (SELECT conversation_sid FROM conversations WHERE customer_id = m.id ORDER BY last_message_at DESC LIMIT 1) cv
       ON CONFLICT DO NOTHING`,
      params);
    const [{ n }] = (await queryRows<{ n: number }>(this.db, `SELECT count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1`, [id])) as [{ n: number }];
    return n;
  }

  async nextQueued(id: string, limit: number): Promise<string[]> {
    const rows = await queryRows<{ customer_id: string }>(this.db,
      `SELECT customer_id FROM campaign_recipients WHERE campaign_id = $1 AND status = 'queued' ORDER BY customer_id LIMIT $2`, [id, limit]);
    return rows.map((r) => r.customer_id);
  }

  async recipient(id: string, customerId: string): Promise<CampaignRecipientRow | undefined> {
    const [r] = await queryRows<{ customer_id: string; integration_id: string; conversation_sid: string; status: CampaignRecipientRow['status']; message_sid: string | null }>(this.db,
      `SELECT customer_id, integration_id, conversation_sid, status, message_sid FROM campaign_recipients WHERE campaign_id = $1 AND customer_id = $2`, [id, customerId]);
    return r && { customerId: r.customer_id, integrationId: r.integration_id, conversationSid: r.conversation_sid, status: r.status, messageSid: r.message_sid };
  }

  /**
   * Notes that a send to this recipient begins; answers whether one began before (then the Twilio
   * send must first look for its idempotency key: an earlier attempt may have reached Twilio).
   */
  async markAttempt(id: string, customerId: string): Promise<boolean> {
    const [row] = await queryRows<{ earlier: Date | null }>(this.db,
      `UPDATE campaign_recipients r SET attempted_at = now() FROM (SELECT attempted_at AS earlier FROM campaign_recipients WHERE campaign_id = $1 AND customer_id = $2) before
       WHERE r.campaign_id = $1 AND r.customer_id = $2 RETURNING before.earlier`, [id, customerId]);
    return Boolean(row?.earlier);
  }

  /** Moves a recipient out of `queued`, once: a second outcome for the same recipient changes nothing. */
  async settleRecipient(id: string, customerId: string, outcome: { status: 'sent' | 'failed' | 'opted_out'; messageSid?: string; errorCode?: string }): Promise<void> {
    await this.db.query(
      `UPDATE campaign_recipients SET status = $3, message_sid = $4, error_code = $5, sent_at = CASE WHEN $3 = 'sent' THEN now() ELSE NULL END
       WHERE campaign_id = $1 AND customer_id = $2 AND status = 'queued'`,
      [id, customerId, outcome.status, outcome.messageSid ?? null, outcome.errorCode ?? null]);
  }

  async cancelQueued(id: string): Promise<void> {
    await this.db.query(`UPDATE campaign_recipients SET status = 'cancelled' WHERE campaign_id = $1 AND status = 'queued'`, [id]);
  }

  async figures(id: string): Promise<CampaignFigures> {
    const [f] = await queryRows<CampaignFigures>(this.db,
      `SELECT count(*)::int AS recipients,
              count(*) FILTER (WHERE r.status = 'queued')::int AS queued,
              count(*) FILTER (WHERE r.status = 'sent')::int AS sent,
              count(*) FILTER (WHERE r.delivery_status IN ('delivered', 'read'))::int AS delivered,
              count(*) FILTER (WHERE r.delivery_status = 'read')::int AS read,
              count(*) FILTER (WHERE r.status = 'failed' OR r.delivery_status IN ('failed', 'undelivered'))::int AS failed,
              count(*) FILTER (WHERE r.status = 'opted_out')::int AS "optedOut",
              count(*) FILTER (WHERE r.status = 'not_opted_in')::int AS "notOptedIn",
              count(*) FILTER (WHERE r.status = 'cancelled')::int AS cancelled,
              count(*) FILTER (WHERE r.status = 'sent' AND EXISTS (
                SELECT 1 FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
                WHERE cv.integration_id = r.integration_id AND cv.conversation_sid = r.conversation_sid AND m.direction = 'inbound' AND m.at > r.sent_at))::int AS replied
       FROM campaign_recipients r WHERE r.campaign_id = $1`, [id]);
    return f!;
  }

  /** The campaign a customer last received (within a week), for the agent's context when they reply. */
  async lastReceived(customerId: string): Promise<{ name: string; sentAt: string } | undefined> {
    const [r] = await queryRows<{ name: string; sent_at: Date }>(this.db,
      `SELECT c.name, r.sent_at FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
       WHERE r.customer_id = $1 AND r.status = 'sent' AND r.sent_at > now() - interval '7 days' ORDER BY r.sent_at DESC LIMIT 1`, [customerId]);
    return r && { name: r.name, sentAt: new Date(r.sent_at).toISOString() };
  }
}
