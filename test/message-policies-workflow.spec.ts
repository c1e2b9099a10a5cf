import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { conversationWorkflowId, type InboundMessage, inboundMessageSignal, taskQueues, transcriptQuery, type TurnPolicy } from '../workflows/definitions';
import { type BusinessHours, WEEKDAYS } from '../workflows/business-hours';
import { backAtNotice, budgetReply, handoffNotice, holdingReply, redactionNotice } from '../workflows/replies';
import { eventually } from './support/eventually';
import { fakeActivities } from './support/fake-activities';
import { startTimeSkipping } from './support/time-skipping';

const basePolicy: TurnPolicy = { messagesPerMinute: 120, throttledReplyIntervalMs: 1_000, holdingMessageMs: 0 };

/**
 * The message policies inside the conversation workflow, on Temporal's time-skipping server: the
 * holding message (a workflow timer while the model is slow), the message-rate limit over a flood,
 * the budget fallback, the redaction notice, and the team's return time outside business hours.
 */
describe('message policies in the conversation workflow', () => {
  let env: TestWorkflowEnvironment;
  const workers: Worker[] = [];
  let running: Promise<unknown>;
  const queue = `policies-${randomBytes(4).toString('hex')}`;
  const { activities, record, behaviour } = fakeActivities();
  let llmCalls: string[][] = [];
  let seq = 0;
  const message = (body: string, extra: Partial<InboundMessage> = {}): InboundMessage => ({
    dedupeKey: `p-${++seq}`, body, author: 'whatsapp:+34600111222', receivedAt: new Date().toISOString(), ...extra,
  });
  const sentTo = (sid: string) => record.sent.filter((s) => s.conversationSid === sid).map((s) => s.body);

  beforeAll(async () => {
    env = await startTimeSkipping();
    const counting = {
      ...activities,
      async nextAgentStep(input: Parameters<typeof activities.nextAgentStep>[0]) {
        llmCalls.push(input.messages);
        return activities.nextAgentStep(input);
      },
    };
    workers.push(
      await Worker.create({ connection: env.nativeConnection, taskQueue: queue, workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, activities: counting }),
      await Worker.create({ connection: env.nativeConnection, taskQueue: taskQueues(queue).sends, activities: { sendReply: activities.sendReply } }),
    );
    running = Promise.all(workers.map((w) => w.run()));
  });
  afterAll(async () => {
    workers.forEach((w) => w.shutdown());
    await running;
    await env?.teardown();
  });
  beforeEach(() => {
    llmCalls = [];
    behaviour.policy = { ...basePolicy };
    behaviour.llm = async (messages) => ({ kind: 'llm', text: `Reply to: ${messages.join(' + ')}`, model: 'fake' });
  });

  const start = (sid: string, first: InboundMessage) =>
    env.client.workflow.signalWithStart('conversationWorkflow', {
      workflowId: conversationWorkflowId('integration-1', sid),
      taskQueue: queue,
      args: [{ integrationId: 'integration-1', conversationSid: sid, customerPhone: 'whatsapp:+34600111222', coalesceWindowMs: 0 }],
      signal: inboundMessageSignal,
      signalArgs: [first],
    });

  test('a slow reply is preceded by one holding message; a fast one is not', async () => {
    // The test server does not skip time while an activity runs (the slow model call), so this timer
    // takes real time: 2 s here rather than the 8 s default.
    behaviour.policy = { ...basePolicy, holdingMessageMs: 2_000 };
    // The model answers only once the test lets it, after the holding time.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    behaviour.llm = async (messages) => {
      await answered;
      return { kind: 'llm', text: `Reply to: ${messages.join(' + ')}`, model: 'fake' };
    };
    const sid = 'CH-holding';
    const handle = await start(sid, message('¿Tenéis la lámpara en azul?'));
    await env.sleep(2_500);
    const holding = await eventually(async () => sentTo(sid), (s) => s.length >= 1);
    expect(holding).toEqual([holdingReply('es')]);
    answer();
    await eventually(async () => sentTo(sid), (s) => s.length >= 2);
    expect(sentTo(sid)).toEqual([holdingReply('es'), 'Reply to: ¿Tenéis la lámpara en azul?']);
    // The reply is recorded just after Twilio accepted it.
    const recorded = await eventually(async () => record.replies.filter((r) => r.conversationSid === sid), (r) => r.length >= 2);
    expect(recorded.map((r) => r.idempotencyKey)).toEqual([
      `${handle.workflowId}:turn-1:reply:holding`, `${handle.workflowId}:turn-1:reply`,
    ]);

    behaviour.llm = async (messages) => ({ kind: 'llm', text: `Reply to: ${messages.join(' + ')}`, model: 'fake' });
    await handle.signal(inboundMessageSignal, message('Gracias'));
    await eventually(async () => sentTo(sid), (s) => s.length >= 3);
    await env.sleep(30_000); // long past the holding time: no holding message for a fast reply
    expect(sentTo(sid)).toEqual([holdingReply('es'), 'Reply to: ¿Tenéis la lámpara en azul?', 'Reply to: Gracias']);
    if (process.env.RECORD_HISTORIES === '1') {
      await eventually(() => handle.query(transcriptQuery), (t) => t.length >= 4);
      writeFileSync(join(__dirname, 'histories', 'conversation-policies-holding.json'), historyToJSON(await handle.fetchHistory()));
    }
  });

  test('50 messages in 10 s: the flood is coalesced, at most one model call per interval beyond the limit', async () => {
    behaviour.policy = { ...basePolicy, messagesPerMinute: 5, throttledReplyIntervalMs: 30_000 };
    const sid = 'CH-flood';
    const handle = await start(sid, message('spam 1'));
    for (let i = 2; i <= 50; i++) {
      await env.sleep(200);
      await handle.signal(inboundMessageSignal, message(`spam ${i}`));
    }
    await env.sleep(60_000);
    const inbound = await eventually(
      async () => record.inbound.filter((t) => t.conversationSid === sid).flatMap((t) => t.messages.map((m) => m.body)),
      (bodies) => bodies.includes('spam 50'),
    );
    // Every message is kept; only the replies are bounded: 5 within the limit, then one per 30 s.
    expect(inbound).toHaveLength(50);
    const calls = llmCalls.filter((c) => c.some((m) => m.startsWith('spam')));
    expect(calls.length).toBeLessThanOrEqual(6);
    expect(calls.at(-1)).toContain('spam 50');
    expect(sentTo(sid)).toHaveLength(calls.length);
  });

  test('a spent budget answers with the fallback, which offers a person', async () => {
    behaviour.llm = async () => ({ kind: 'over_budget', scope: 'customer' });
    const sid = 'CH-budget';
    await start(sid, message('Hola, ¿qué tal?'));
    await eventually(async () => sentTo(sid), (s) => s.length >= 1);
    expect(sentTo(sid)).toEqual([budgetReply('es')]);
  });

  test('the customer is told once why a card number was removed', async () => {
    const sid = 'CH-redacted';
    const handle = await start(sid, message('My card is [card •••• 4242], can you charge it?', { redactions: ['card'] }));
    await eventually(async () => sentTo(sid), (s) => s.length >= 1);
    expect(sentTo(sid)[0]).toBe(`${redactionNotice('en', ['card'])}\n\nReply to: My card is [card •••• 4242], can you charge it?`);
    await handle.signal(inboundMessageSignal, message('Here it is again [card •••• 4242]', { redactions: ['card'] }));
    await eventually(async () => sentTo(sid), (s) => s.length >= 2);
    expect(sentTo(sid)[1]).toBe('Reply to: Here it is again [card •••• 4242]');
  });

  test('outside business hours a hand-off message says when the team is back', async () => {
    // Open one hour on the weekday three days from now: closed today, whatever the time.
    const businessHours: BusinessHours = { timeZone: 'Europe/Madrid', hours: { [WEEKDAYS[new Date(Date.now() + 3 * 86_400_000).getUTCDay()]!]: ['09:00-10:00'] } };
    behaviour.policy = { ...basePolicy, businessHours };
    const sid = 'CH-after-hours';
    const handle = await start(sid, message('Hola'));
    await eventually(async () => sentTo(sid), (s) => s.length >= 1); // the policy arrives with the first turn
    await handle.signal(inboundMessageSignal, message('Quiero hablar con una persona'));
    await eventually(async () => sentTo(sid), (s) => s.length >= 2);
    const back = backAtNotice('es', businessHours, Date.now());
    expect(back).toMatch(/volverá .+ 09:00 \(Europe\/Madrid\)/);
    expect(sentTo(sid)[1]).toBe(`${handoffNotice('es')} ${back}`);
  });
});
