import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../common/tokens';
import type { AppConfig } from '../config/config';
import { HandoffService } from '../conversations/handoff.service';
import { queryRows } from '../database/sql';
import { conversationWorkflowId } from '../../workflows/definitions';
import { ERROR_ALERT_KINDS, type ErrorType, type TimeRange } from './dashboard-query';

type ErrorRow = { id: string; type: ErrorType; at: Date; integration_id: string | null; conversation_sid: string | null; code: string | null; message: string };

/**
 * The error log and integration health, read from the database: what failed is already recorded
 * (a message's delivery status, a tool call's outcome, an alert, a paused integration, a webhook
 * event the inbox could not hand to its workflow), so no process keeps a list of its own.
 */
@Injectable()
export class OperationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly handoff: HandoffService,
  ) {}

  /**
   * Newest first. A paused integration is listed from the moment it was paused while it stays
   * paused (it keeps failing every reply), so it shows in any range that ends after its pause.
   */
  async errors(q: TimeRange & { integrationId?: string; type?: ErrorType; conversationSid?: string; limit: number }) {
    const rows = await queryRows<ErrorRow>(this.db,
      `SELECT * FROM (
         SELECT m.id::text AS id, 'send_failed' AS type, m.at, m.integration_id, c.conversation_sid, m.error_code AS code,
                'Message ' || m.delivery_status || CASE WHEN m.sent_by LIKE 'agent:%' THEN ' (sent by ' || substr(m.sent_by, 7) || ')' ELSE '' END AS message
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE m.direction = 'outbound' AND m.delivery_status IN ('failed', 'undelivered', 'held') AND m.at >= $1 AND m.at < $2
         UNION ALL
         SELECT t.id::text, 'tool_failed', t.created_at, t.integration_id, t.conversation_sid, t.tool, 'Tool ' || t.tool || ' failed'
         FROM tool_calls t WHERE t.outcome = 'failed' AND t.created_at >= $1 AND t.created_at < $2
         UNION ALL
         -- Alerts carry no conversation column; the hand-off ones name it in their text.
         SELECT a.id::text, 'alert', a.created_at, a.integration_id, substring(a.message from 'CH[0-9a-fA-F]{32}'), a.kind, a.message
         FROM alerts a WHERE a.kind = ANY($4::text[]) AND a.created_at >= $1 AND a.created_at < $2
         UNION ALL
         SELECT i.id::text, 'integration_paused', i.updated_at, i.id, NULL, NULL, 'Integration ' || i.name || ' paused: ' || COALESCE(i.paused_reason, 'no reason recorded')
         FROM integrations i WHERE i.status = 'paused' AND i.updated_at < $2
         UNION ALL
         SELECT e.id::text, 'inbox_pending', e.received_at, e.integration_id, e.conversation_sid, e.event_type,
                'Not yet handed to its workflow after ' || e.attempts || ' attempts: ' || e.last_error
         FROM inbox_events e WHERE e.status = 'pending' AND e.last_error IS NOT NULL AND e.received_at >= $1 AND e.received_at < $2
       ) x
       WHERE ($3::uuid IS NULL OR integration_id = $3::uuid) AND ($5::text IS NULL OR type = $5) AND ($6::text IS NULL OR conversation_sid = $6)
       ORDER BY at DESC, id LIMIT $7`,
      [q.from.toISOString(), q.to.toISOString(), q.integrationId ?? null, ERROR_ALERT_KINDS, q.type ?? null, q.conversationSid ?? null, q.limit],
    );
    return {
      from: q.from.toISOString(), to: q.to.toISOString(),
      errors: rows.map((r) => {
        const workflowId = r.integration_id && r.conversation_sid ? conversationWorkflowId(r.integration_id, r.conversation_sid) : null;
        return {
          id: r.id, type: r.type, at: new Date(r.at).toISOString(), integrationId: r.integration_id, conversationSid: r.conversation_sid,
          code: r.code, message: r.message, workflowId, temporalUiUrl: workflowId ? this.handoff.temporalUiUrl(workflowId) ?? null : null,
        };
      }),
    };
  }

  /**
   * Per integration: its status, when Twilio last called the webhook for it (a message event or a
   * delivery receipt), when Twilio last accepted a message from it, and Twilio sends in the last
   * minute against TWILIO_SENDS_PER_SECOND × 60 — the sends queue's limit, shared by all integrations.
   */
  async health(integrationId?: string) {
    const rows = await queryRows<{
      id: string; name: string; kind: string; phone_number: string; status: string; paused_reason: string | null; updated_at: Date;
      last_webhook_at: Date | null; last_send_at: Date | null; sends_last_minute: number;
    }>(this.db,
      `SELECT i.id, i.name, i.kind, i.phone_number, i.status, i.paused_reason, i.updated_at,
              GREATEST((SELECT max(e.received_at) FROM inbox_events e WHERE e.integration_id = i.id),
                       (SELECT max(r.received_at) FROM delivery_receipts r WHERE r.integration_id = i.id AND r.source = 'webhook')) AS last_webhook_at,
              GREATEST((SELECT max(m.at) FROM messages m WHERE m.integration_id = i.id AND m.direction = 'outbound' AND m.twilio_message_sid IS NOT NULL),
                       (SELECT max(cr.sent_at) FROM campaign_recipients cr WHERE cr.integration_id = i.id)) AS last_send_at,
              (SELECT count(DISTINCT s.sid)::int FROM (
                 SELECT m.twilio_message_sid AS sid FROM messages m
                 WHERE m.integration_id = i.id AND m.direction = 'outbound' AND m.twilio_message_sid IS NOT NULL AND m.at >= now() - interval '1 minute'
                 UNION ALL
                 SELECT cr.message_sid FROM campaign_recipients cr
                 WHERE cr.integration_id = i.id AND cr.message_sid IS NOT NULL AND cr.sent_at >= now() - interval '1 minute') s) AS sends_last_minute
       FROM integrations i WHERE ($1::uuid IS NULL OR i.id = $1::uuid) ORDER BY i.created_at, i.id`,
      [integrationId ?? null],
    );
    const limitPerMinute = this.config.twilioSendsPerSecond * 60;
    const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
    return {
      limitPerMinute,
      sendsLastMinute: rows.reduce((sum, r) => sum + r.sends_last_minute, 0),
      integrations: rows.map((r) => ({
        id: r.id, name: r.name, kind: r.kind, phoneNumber: r.phone_number, status: r.status, pausedReason: r.paused_reason,
        pausedSince: r.status === 'paused' ? iso(r.updated_at) : null,
        lastWebhookAt: iso(r.last_webhook_at), lastSendAt: iso(r.last_send_at),
        sendsLastMinute: r.sends_last_minute, limitPerMinute,
      })),
    };
  }
}
