import type { Client } from '@temporalio/client';
import type { AppConfig } from '../config/config';
import {
  ConversationStatusAttribute,
  conversationWorkflowId,
  CustomerPhoneAttribute,
  type InboundMessage,
  inboundMessageSignal,
  IntegrationIdAttribute,
  taskQueues,
} from '../../workflows/definitions';

/**
 * Hands a customer message to its conversation workflow, starting the workflow if needed: the one
 * way a message enters Temporal (the webhook, the inbox redelivery and the reconciliation all use it).
 */
export async function signalInbound(client: Client, config: AppConfig, target: { integrationId: string; conversationSid: string }, message: InboundMessage): Promise<void> {
  await client.workflow.signalWithStart('conversationWorkflow', {
    workflowId: conversationWorkflowId(target.integrationId, target.conversationSid),
    taskQueue: taskQueues(config.temporal.taskQueue).conversations,
    args: [{ integrationId: target.integrationId, conversationSid: target.conversationSid, customerPhone: message.author, coalesceWindowMs: config.coalesceWindowMs, handoff: config.handoff }],
    staticSummary: `WhatsApp conversation with ${message.author}`,
    signal: inboundMessageSignal,
    signalArgs: [message],
    typedSearchAttributes: [
      { key: IntegrationIdAttribute, value: target.integrationId },
      { key: CustomerPhoneAttribute, value: message.author },
      { key: ConversationStatusAttribute, value: 'bot' },
    ],
  });
}
