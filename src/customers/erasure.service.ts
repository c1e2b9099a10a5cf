import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { conversationWorkflowId } from '../../workflows/definitions';

export interface Erasure {
  id: string;
  erased: true;
  messagesScrubbed: number;
  workflowHistoriesDeleted: number;
  /** False when some workflow histories could not be deleted (Temporal unreachable): repeat the request. */
  complete: boolean;
}

/** Rows of a customer's conversations, for the statements below. */
const THEIR_CONVERSATIONS = `SELECT integration_id, conversation_sid FROM conversations WHERE customer_id = $1`;

/**
 * Erasure for a data-protection request. The conversation workflows (and their turns) are deleted from
 * Temporal first, so they record nothing more; then, in one transaction, what the customer wrote and
 * what was said about them is scrubbed: messages, raw webhook payloads, tool-call arguments and
 * results, hand-off reasons, knowledge gaps, summaries, follow-up texts, return reasons, the customer
 * in stored events; notes and profile history are deleted and the profile emptied (the phone replaced:
 * a new message starts a new customer). Orders, returns and bookings stay as the business's records,
 * without a person. Repeating the request retries what was left (histories Temporal could not delete).
 */
@Injectable()
export class ErasureService {
  private readonly logger = new Logger(ErasureService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly temporal: TemporalClientService,
  ) {}

  async erase(customerId: string): Promise<Erasure> {
    const [customer] = await queryRows<{ id: string }>(this.db, `SELECT id FROM customers WHERE id = $1`, [customerId]);
    if (!customer) throw new NotFoundException({ error: 'not_found', message: `No customer ${customerId}` });
    const conversations = await queryRows<{ integration_id: string; conversation_sid: string }>(this.db, THEIR_CONVERSATIONS, [customerId]);
    let deleted = 0;
    let complete = true;
    for (const c of conversations) {
      const result = await this.deleteHistories(conversationWorkflowId(c.integration_id, c.conversation_sid));
      deleted += result.deleted;
      complete &&= result.complete;
    }
    const messagesScrubbed = await this.db.transaction((tx) => this.scrub(tx, customerId));
    return { id: customerId, erased: true, messagesScrubbed, workflowHistoriesDeleted: deleted, complete };
  }

  private async scrub(tx: EntityManager, customerId: string): Promise<number> {
    await tx.query(`SELECT id FROM customers WHERE id = $1 FOR UPDATE`, [customerId]);
    const scrubbed = await queryRows<{ id: string }>(tx,
      `UPDATE messages SET body = '[erased]', author = CASE WHEN direction = 'inbound' THEN '[erased]' ELSE author END
       WHERE conversation_id IN (SELECT id FROM conversations WHERE customer_id = $1) AND body <> '[erased]' RETURNING id`, [customerId]);
    const inTheirConversations = `(integration_id, conversation_sid) IN (${THEIR_CONVERSATIONS})`;
    await tx.query(`UPDATE inbox_events SET payload = '{}'::jsonb WHERE ${inTheirConversations}`, [customerId]);
    await tx.query(`UPDATE tool_calls SET arguments = '{}'::jsonb, result = NULL WHERE ${inTheirConversations}`, [customerId]);
    await tx.query(`UPDATE handoff_events SET reason = NULL WHERE ${inTheirConversations}`, [customerId]);
    await tx.query(`DELETE FROM conversation_summaries WHERE ${inTheirConversations}`, [customerId]);
    await tx.query(`UPDATE knowledge_gaps SET question = '[erased]' WHERE customer_id = $1`, [customerId]);
    await tx.query(`UPDATE follow_ups SET message = '[erased]' WHERE customer_id = $1`, [customerId]);
    await tx.query(`UPDATE returns SET reason = '[erased]' WHERE customer_id = $1`, [customerId]);
    await tx.query(`UPDATE events SET data = data - 'customer' WHERE customer_id = $1`, [customerId]);
    await tx.query(`DELETE FROM profile_changes WHERE customer_id = $1`, [customerId]);
    await tx.query(`DELETE FROM customer_notes WHERE customer_id = $1`, [customerId]);
    await tx.query(
      `UPDATE customers SET phone = 'erased:' || id, name = NULL, email = NULL, language = NULL, time_zone = NULL, tags = '{}', behaviour_tags = '{}',
         attributes = '{}'::jsonb, marketing_consent = 'opted_out', consent_source = 'erased', consent_changed_at = COALESCE(erased_at, now()),
         erased_at = COALESCE(erased_at, now())
       WHERE id = $1`, [customerId]);
    return scrubbed.length;
  }

  /** Deletes every run of the conversation workflow and of its turns (`<id>:turn-<n>`). */
  private async deleteHistories(workflowId: string): Promise<{ deleted: number; complete: boolean }> {
    const { client } = this.temporal;
    const id = workflowId.replace(/["\\]/g, '');
    let deleted = 0;
    try {
      for await (const run of client.workflow.list({ query: `WorkflowId = "${id}" OR WorkflowId STARTS_WITH "${id}:turn-"` })) {
        try {
          await client.workflowService.deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: { workflowId: run.workflowId, runId: run.runId } });
          deleted++;
        } catch (err) {
          // Already deleted (a repeated request) or past retention: nothing of it is left.
          if ((err as { code?: number }).code !== 5) throw err;
        }
      }
      return { deleted, complete: true };
    } catch (err) {
      this.logger.warn(`Could not delete the histories of ${workflowId}: ${(err as Error).message}`);
      return { deleted, complete: false };
    }
  }
}
