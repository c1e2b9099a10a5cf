import { randomUUID } from 'node:crypto';
import { BadGatewayException, ConflictException, HttpException, Inject, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApplicationFailure, type WorkflowHandle, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { queryRows } from '../database/sql';
import { EventsService } from '../events/events.service';
import { TemporalClientService } from '../temporal/temporal-client.service';
import {
  type Caller,
  closeUpdate,
  type ConversationStatus,
  conversationWorkflowId,
  handBackUpdate,
  type HandoffState,
  HandoffRejection,
  sendAgentMessageUpdate,
  takeOverUpdate,
} from '../../workflows/definitions';

/** How long `POST …/messages` waits for Twilio to accept before answering 202 (the send goes on). */
const SEND_WAIT_MS = 10_000;

/** HTTP error code for each reason a hand-off update is refused. */
const REJECTIONS: Record<string, string> = {
  [HandoffRejection.closed]: 'conversation_closed',
  [HandoffRejection.ownedByAnother]: 'owned_by_another_agent',
  [HandoffRejection.notOwner]: 'not_conversation_owner',
  [HandoffRejection.notWithHuman]: 'not_with_human',
  [HandoffRejection.alreadyWithBot]: 'already_with_bot',
  [HandoffRejection.invalidMessage]: 'invalid_message',
};

export interface ConversationSummary {
  conversationSid: string;
  integrationId: string;
  status: ConversationStatus;
  customer: { id: string; phone: string; name: string | null };
  assignedAgent: { id: string; name: string } | null;
  lastMessage: { direction: 'inbound' | 'outbound'; body: string; at: string } | null;
  waitingSince: string | null;
  waitingSeconds: number | null;
  lastMessageAt: string;
}

/**
 * The agents' side of a conversation: the lists they work from (database) and the changes they make,
 * each a Temporal update of the conversation workflow, which alone decides whether it is allowed.
 */
@Injectable()
export class HandoffService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly temporal: TemporalClientService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: EventsService,
  ) {}

  private readonly logger = new Logger(HandoffService.name);

  /** Conversations by status; waiting ones longest-waiting first, the others most recent first. */
  async list(filter: { status?: ConversationStatus; limit: number }): Promise<ConversationSummary[]> {
    const rows = await queryRows<{
      conversation_sid: string; integration_id: string; status: ConversationStatus; customer_id: string; phone: string; name: string | null;
      assigned_agent_id: string | null; assigned_agent_name: string | null; waiting_since: Date | null; last_message_at: Date;
      last_direction: 'inbound' | 'outbound' | null; last_body: string | null; last_at: Date | null;
    }>(
      this.db,
      `SELECT c.conversation_sid, c.integration_id, c.status, cu.id AS customer_id, cu.phone, cu.name,
              c.assigned_agent_id, c.assigned_agent_name, c.waiting_since, c.last_message_at,
              m.direction AS last_direction, m.body AS last_body, m.at AS last_at
       FROM conversations c
       JOIN customers cu ON cu.id = c.customer_id
       LEFT JOIN LATERAL (SELECT direction, body, at FROM messages WHERE conversation_id = c.id ORDER BY at DESC, created_at DESC LIMIT 1) m ON true
       WHERE ($1::text IS NULL OR c.status = $1)
       ORDER BY c.waiting_since ASC NULLS LAST, c.last_message_at DESC
       LIMIT $2`,
      [filter.status ?? null, filter.limit],
    );
    const now = Date.now();
    return rows.map((r) => ({
      conversationSid: r.conversation_sid,
      integrationId: r.integration_id,
      status: r.status,
      customer: { id: r.customer_id, phone: r.phone, name: r.name },
      assignedAgent: r.assigned_agent_id ? { id: r.assigned_agent_id, name: r.assigned_agent_name ?? '' } : null,
      lastMessage: r.last_direction ? { direction: r.last_direction, body: r.last_body ?? '', at: new Date(r.last_at!).toISOString() } : null,
      waitingSince: r.waiting_since ? new Date(r.waiting_since).toISOString() : null,
      waitingSeconds: r.waiting_since ? Math.max(0, Math.round((now - new Date(r.waiting_since).getTime()) / 1000)) : null,
      lastMessageAt: new Date(r.last_message_at).toISOString(),
    }));
  }

  /** The Temporal UI page of a conversation's workflow, when a UI address is known. */
  temporalUiUrl(workflowId: string): string | undefined {
    const base = this.config.temporal.uiUrl;
    return base ? `${base}/namespaces/${encodeURIComponent(this.config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;
  }

  takeOver(sid: string, caller: Caller): Promise<HandoffState> {
    return this.update(sid, (handle) => handle.executeUpdate(takeOverUpdate, { args: [caller] }));
  }

  handBack(sid: string, caller: Caller): Promise<HandoffState> {
    return this.update(sid, (handle) => handle.executeUpdate(handBackUpdate, { args: [caller] }));
  }

  async close(sid: string, caller: Caller): Promise<HandoffState> {
    const state = await this.update(sid, (handle) => handle.executeUpdate(closeUpdate, { args: [caller] }));
    const [conversation] = await queryRows<{ integration_id: string; customer_id: string }>(this.db, `SELECT integration_id, customer_id FROM conversations WHERE conversation_sid = $1 ORDER BY last_message_at DESC LIMIT 1`, [sid]);
    // Closing again is refused by the workflow, so each close publishes once. The close stands even if the event must wait.
    await this.events
      .publish({ id: randomUUID(), type: 'conversation.closed', integrationId: conversation?.integration_id, customerId: conversation?.customer_id, data: { conversationSid: sid, closedBy: `${caller.role}:${caller.name}` } })
      .catch((err: Error) => this.logger.warn(`conversation.closed for ${sid} not published: ${err.message}`));
    return state;
  }

  /**
   * An agent's message. Accepted (or refused) by the workflow at once; the answer waits up to
   * SEND_WAIT_MS for Twilio to accept it, else says it is still being sent (retries go on durably).
   * The same `requestId` (Idempotency-Key header) never sends twice.
   */
  async sendMessage(sid: string, caller: Caller, body: string, requestId?: string): Promise<{ status: 'sent' | 'held' | 'sending'; messageSid?: string }> {
    return this.update(sid, async (handle) => {
      const update = await handle.startUpdate(sendAgentMessageUpdate, {
        args: [{ caller, body }],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
        updateId: requestId ? `agent-message:${caller.id}:${requestId}` : undefined,
      });
      const outcome = await Promise.race([update.result(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SEND_WAIT_MS).unref())]);
      if (!outcome) return { status: 'sending' as const };
      if (outcome.dropped) throw new ConflictException({ error: 'not_conversation_owner', message: 'The conversation changed hands before the message went out; it was not sent' });
      return outcome.messageSid ? { status: 'sent' as const, messageSid: outcome.messageSid } : { status: 'held' as const };
    });
  }

  private async update<T>(sid: string, run: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
    const [row] = await queryRows<{ integration_id: string }>(
      this.db,
      `SELECT integration_id FROM conversations WHERE conversation_sid = $1 ORDER BY last_message_at DESC LIMIT 1`,
      [sid],
    );
    if (!row) throw new NotFoundException({ error: 'conversation_not_found', message: `No conversation ${sid}` });
    const handle = this.temporal.client.workflow.getHandle(conversationWorkflowId(row.integration_id, sid));
    try {
      return await run(handle);
    } catch (err) {
      throw toHttpError(err);
    }
  }
}

function toHttpError(err: unknown): unknown {
  if (err instanceof HttpException) return err;
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const code = REJECTIONS[err.cause.type ?? ''];
    if (code) return new ConflictException({ error: code, message: err.cause.message });
  }
  if (err instanceof WorkflowUpdateFailedError) {
    return new BadGatewayException({ error: 'update_failed', message: `The conversation could not do it: ${(err.cause as Error | undefined)?.message ?? err.message}` });
  }
  if (err instanceof WorkflowNotFoundError) {
    return new ConflictException({ error: 'conversation_not_running', message: 'The conversation has no running workflow; it starts again with the customer’s next message' });
  }
  const grpcCode = (err as { code?: number }).code;
  if (grpcCode === 14 || grpcCode === 4) return new ServiceUnavailableException({ error: 'temporal_unavailable', message: 'Temporal is unreachable; try again in a moment' });
  return err;
}
