import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  type Caller,
  conversationWorkflowId,
  handoffQuery,
  type HandoffTimers,
  type InboundMessage,
  inboundMessageSignal,
  takeOverUpdate,
  taskQueues,
} from '../workflows/definitions';
import { handoffNotice, holdingNotice } from '../workflows/replies';
import { eventually } from './support/eventually';
import { fakeActivities } from './support/fake-activities';
import { startTimeSkipping } from './support/time-skipping';

const timers: HandoffTimers = { slaMs: 5 * 60_000, reminderMs: 30 * 60_000, maxReminders: 2 };

/**
 * The hand-off SLA on Temporal's time-skipping server: the durable timers run for minutes and hours
 * of workflow time in a moment of real time.
 */
describe('hand-off SLA timers', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const queue = `sla-${randomBytes(4).toString('hex')}`;
  const { activities, record } = fakeActivities();
  let seq = 0;
  const message = (body: string): InboundMessage => ({ dedupeKey: `s-${++seq}`, body, author: 'whatsapp:+34600111222', receivedAt: new Date().toISOString() });

  beforeAll(async () => {
    env = await startTimeSkipping();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queue,
      workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
      activities,
    });
    const sends = await Worker.create({ connection: env.nativeConnection, taskQueue: taskQueues(queue).sends, activities: { sendReply: activities.sendReply } });
    running = Promise.all([worker.run(), sends.run()]).then(() => undefined);
    afterAllWorkers.push(sends);
  });
  const afterAllWorkers: Worker[] = [];
  afterAll(async () => {
    worker?.shutdown();
    afterAllWorkers.forEach((w) => w.shutdown());
    await running;
    await env?.teardown();
  });

  async function escalate(sid: string) {
    const handle = await env.client.workflow.signalWithStart('conversationWorkflow', {
      workflowId: conversationWorkflowId('integration-1', sid),
      taskQueue: queue,
      args: [{ integrationId: 'integration-1', conversationSid: sid, customerPhone: 'whatsapp:+34600111222', coalesceWindowMs: 0, handoff: timers }],
      signal: inboundMessageSignal,
      signalArgs: [message('Quiero hablar con una persona')],
    });
    await eventually(async () => record.sent.some((s) => s.conversationSid === sid), Boolean);
    return handle;
  }
  const sentTo = (sid: string) => record.sent.filter((s) => s.conversationSid === sid).map((s) => s.body);
  const alertsFor = (sid: string) => record.alerts.filter((a) => a.message.includes(sid)).map((a) => a.kind);

  test('nobody takes over: one holding message and an alert after the SLA, then reminders, then quiet', async () => {
    const sid = 'CH-sla-missed';
    await escalate(sid);
    expect(sentTo(sid)).toEqual([handoffNotice('es')]);
    await eventually(async () => alertsFor(sid).length === 1, Boolean);

    await env.sleep('4 minutes');
    expect(sentTo(sid)).toEqual([handoffNotice('es')]);
    expect(alertsFor(sid)).toEqual(['handoff_requested']);

    await env.sleep('2 minutes'); // past the 5-minute SLA
    await eventually(async () => alertsFor(sid).length === 2, Boolean);
    expect(sentTo(sid)).toEqual([handoffNotice('es'), holdingNotice('es')]);
    expect(alertsFor(sid)).toEqual(['handoff_requested', 'handoff_sla_missed']);

    await env.sleep('30 minutes');
    await eventually(async () => alertsFor(sid).length === 3, Boolean);
    await env.sleep('30 minutes');
    await eventually(async () => alertsFor(sid).length === 4, Boolean);
    expect(alertsFor(sid)).toEqual(['handoff_requested', 'handoff_sla_missed', 'handoff_reminder', 'handoff_reminder']);

    await env.sleep('6 hours'); // at most two reminders
    expect(alertsFor(sid)).toHaveLength(4);
    expect(sentTo(sid)).toEqual([handoffNotice('es'), holdingNotice('es')]);
  });

  test('a person taking over within the SLA: no holding message, no SLA alert', async () => {
    const sid = 'CH-sla-met';
    const handle = await escalate(sid);
    await env.sleep('3 minutes');
    const agent: Caller = { id: 'key-dana', name: 'Dana', role: 'agent' };
    await handle.executeUpdate(takeOverUpdate, { args: [agent] });
    await env.sleep('3 hours');
    expect(await handle.query(handoffQuery)).toMatchObject({ status: 'human' });
    expect(sentTo(sid)).toEqual([handoffNotice('es')]);
    expect(alertsFor(sid)).toEqual(['handoff_requested']);
  });
});
