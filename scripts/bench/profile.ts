import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

/** Mean milliseconds per step of a reply, in order, from Temporal's own event times. */
export type Profile = Record<string, number>;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const ms = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
const json = (data: Uint8Array | null | undefined) => JSON.parse(Buffer.from(data ?? []).toString()) as Record<string, unknown>;

/**
 * Where a reply's time goes, read from the histories of the given conversations: for each customer
 * message (a signal), the api's share (webhook received → signal recorded), the wait for the
 * workflow task, the task itself (recording the message and asking the model, as local activities,
 * until the send is scheduled), the send's wait in its rate-limited queue and the send itself (Twilio
 * accepted the reply during it).
 */
export async function profilePipeline(temporal: Client, conversationSids: string[]): Promise<Profile> {
  const steps = new Map<string, number[]>();
  const add = (step: string, v: number) => steps.set(step, [...(steps.get(step) ?? []), v]);
  for await (const wf of temporal.workflow.list({ query: 'WorkflowType="conversationWorkflow" AND ExecutionStatus="Running"' })) {
    if (!conversationSids.some((sid) => wf.workflowId.endsWith(sid))) continue;
    const events = (await temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? [];
    for (let i = 0; i < events.length; i++) {
      const signal = events[i]!;
      if (signal.workflowExecutionSignaledEventAttributes?.signalName !== 'inboundMessage') continue;
      const message = json(signal.workflowExecutionSignaledEventAttributes.input?.payloads?.[0]?.data);
      const next = (from: number, test: (e: HistoryEvent) => boolean) => events.slice(from).find(test);
      const taskStarted = next(i, (e) => Boolean(e.workflowTaskStartedEventAttributes));
      const sendScheduled = next(i, (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendReply');
      if (!taskStarted || !sendScheduled) continue;
      const sendStarted = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId ?? '') === String(sendScheduled.eventId));
      const sendCompleted = events.find((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') === String(sendScheduled.eventId));
      if (!sendStarted || !sendCompleted) continue;
      add('api: webhook received → signal recorded (inbox, signal-with-start)', ms(signal) - Date.parse(String(message.receivedAt)));
      add('workflow task: signal → task started (dispatch to the worker)', ms(taskStarted) - ms(signal));
      add('workflow task: record message + ask the model (local activities) → send scheduled', ms(sendScheduled) - ms(taskStarted));
      add('sendReply: wait in the rate-limited sends queue', ms(sendStarted) - ms(sendScheduled));
      add('sendReply: run (Twilio accepts the reply during it)', ms(sendCompleted) - ms(sendStarted));
    }
  }
  return Object.fromEntries([...steps].map(([step, values]) => [step, Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10]));
}
