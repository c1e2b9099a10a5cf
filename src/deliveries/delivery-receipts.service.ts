import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { queryRows } from '../database/sql';

export const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed', 'undelivered'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * How far a message got. Receipts arrive out of order and more than once, so a status only replaces
 * one of lower rank: sent → delivered → read; failed and undelivered are final outcomes of the same
 * rank as delivered (the first one recorded stays), and only `read` passes them.
 */
const rank = (column: string) =>
  `(CASE ${column} WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'failed' THEN 2 WHEN 'undelivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END)`;

/** An `onDeliveryUpdated` post-event's fields, checked before anything is stored. */
export const deliveryReceiptSchema = z.object({
  DeliveryReceiptSid: z.string().regex(/^DY[0-9a-fA-F]{32}$/),
  ConversationSid: z.string().regex(/^CH[0-9a-zA-Z]{32}$/),
  MessageSid: z.string().regex(/^IM[0-9a-zA-Z]{32}$/),
  Status: z.enum(DELIVERY_STATUSES),
  ErrorCode: z.string().regex(/^\d{1,6}$/).optional(),
  DateUpdated: z.iso.datetime({ offset: true }).optional(),
});

export interface Receipt {
  receiptSid: string;
  conversationSid: string;
  messageSid: string;
  status: DeliveryStatus;
  errorCode?: string | null;
  updatedAt?: string;
}

/** Twilio's aggregated delivery of a message (`"all" | "some" | "none"` per status), as the Messages API lists it. */
export type AggregatedDelivery = Partial<Record<DeliveryStatus, string>> | null | undefined;

/** The furthest status an aggregated delivery shows, if any. */
export function aggregatedStatus(delivery: AggregatedDelivery): DeliveryStatus | undefined {
  if (!delivery) return undefined;
  return (['read', 'delivered', 'failed', 'undelivered', 'sent'] as const).find((s) => delivery[s] && delivery[s] !== 'none');
}

/**
 * Delivery receipts: stored once per receipt sid (a repeat changes nothing, a late lower status
 * neither), then merged into the outbound message and, for a campaign's message, its recipient.
 */
@Injectable()
export class DeliveryReceiptsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records a receipt; true when it moved the receipt forward (a new receipt, or a later status). */
  async record(integrationId: string, receipt: Receipt, source: 'webhook' | 'reconciliation'): Promise<boolean> {
    const errorCode = receipt.errorCode && receipt.errorCode !== '0' ? receipt.errorCode : null;
    const moved = await queryRows<{ receipt_sid: string }>(this.db,
      `INSERT INTO delivery_receipts (receipt_sid, integration_id, conversation_sid, message_sid, status, error_code, source, twilio_updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (receipt_sid) DO UPDATE SET status = EXCLUDED.status, error_code = COALESCE(EXCLUDED.error_code, delivery_receipts.error_code),
         twilio_updated_at = EXCLUDED.twilio_updated_at, received_at = now()
       WHERE ${rank('EXCLUDED.status')} > ${rank('delivery_receipts.status')}
       RETURNING receipt_sid`,
      [receipt.receiptSid, integrationId, receipt.conversationSid, receipt.messageSid, receipt.status, errorCode, source, receipt.updatedAt ?? null]);
    // Merged even when the receipt itself was known: the message row may have been recorded after it arrived.
    await this.db.query(
      `UPDATE messages SET delivery_status = $3, error_code = COALESCE($4, error_code), delivery_updated_at = now()
       WHERE integration_id = $1 AND twilio_message_sid = $2 AND direction = 'outbound' AND ${rank('delivery_status')} < ${rank('$3::text')}`,
      [integrationId, receipt.messageSid, receipt.status, errorCode]);
    await this.db.query(
      `UPDATE campaign_recipients SET delivery_status = $3, error_code = COALESCE($4, error_code)
       WHERE integration_id = $1 AND message_sid = $2 AND ${rank('delivery_status')} < ${rank('$3::text')}`,
      [integrationId, receipt.messageSid, receipt.status, errorCode]);
    return moved.length > 0;
  }

  /** Outbound messages of an integration still without a final status, for the reconciliation. */
  async awaitingReceipts(integrationId: string, conversationSid: string): Promise<Set<string>> {
    const rows = await queryRows<{ twilio_message_sid: string }>(this.db,
      `SELECT m.twilio_message_sid FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE c.integration_id = $1 AND c.conversation_sid = $2 AND m.direction = 'outbound' AND m.twilio_message_sid IS NOT NULL
         AND m.delivery_status IN ('accepted', 'sent', 'delivered')`,
      [integrationId, conversationSid]);
    return new Set(rows.map((r) => r.twilio_message_sid));
  }
}
