import { Context } from '@temporalio/activity';
import { startDeliveries } from '../src/events/start-deliveries';
import { startAutomationRuns } from '../src/automations/start-automation-runs';
import type { ActivityDeps } from './deps';

/** The record an event is about: its current state goes into the event's data under its kind. */
export interface EventSubject {
  kind: 'order' | 'appointment';
  id: string;
}

export interface PublishEventInput {
  /** Deterministic (workflow id + key), so a retry or a replay publishes the same event. */
  id: string;
  type: string;
  integrationId?: string;
  data: Record<string, unknown>;
  subject?: EventSubject;
}

/** Publishing from workflows: the event stored once, one delivery workflow started per subscribed webhook. */
export function createEventActivities({ events, orders, appointments, config }: ActivityDeps) {
  async function load(subject: EventSubject): Promise<{ integrationId: string; customerId: string } | null> {
    return subject.kind === 'order' ? orders.byId(subject.id) : appointments.byId(subject.id);
  }

  return {
    async publishEvent(input: PublishEventInput): Promise<{ deliveries: number }> {
      const record = input.subject ? await load(input.subject) : null;
      const deliveryIds = await events.record({
        id: input.id,
        type: input.type,
        integrationId: input.integrationId ?? record?.integrationId,
        customerId: record?.customerId,
        data: input.subject ? { ...input.data, [input.subject.kind]: record } : input.data,
      });
      await startDeliveries(Context.current().client, config, deliveryIds);
      // Logged, never thrown: a run not started now is started by the api's sweep.
      await startAutomationRuns(Context.current().client, config, events, await events.automationRuns(input.id));
      return { deliveries: deliveryIds.length };
    },
  };
}
