import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, Worker } from '@temporalio/worker';
import {
  ConversationStatusAttribute,
  conversationWorkflowId,
  type InboundMessage,
  inboundMessageSignal,
  integrationResumedSignal,
  statusQuery,
  taskQueues,
  transcriptQuery,
} from '../workflows/definitions';
import { handoffNotice, LLM_DOWN_REPLY } from '../workflows/replies';
import { eventually } from './support/eventually';
import { fakeActivities } from './support/fake-activities';

/**
 * The conversation workflow on a real Temporal server with fake activities: ordering, dedupe across
 * continue-as-new, burst coalescing, and the honest fallbacks. RECORD_HISTORIES=1 rewrites the
 * committed histories that the replay test checks every change against.
 */
describe('conversation workflow', () => {
  let connection: Connection;
  let client: Client;
  let workers: Worker[];
  let running: Promise<void>;
  const queue = `wf-${randomBytes(4).toString('hex')}`;
  const { activities: fakes, record, behaviour } = fakeActivities();
  const { turns, sent } = record;

  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS });
    client = new Client({ connection });
    const native = await NativeConnection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS });
    workers = [
      await Worker.create({ connection: native, taskQueue: queue, workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, activities: fakes }),
      await Worker.create({ connection: native, taskQueue: taskQueues(queue).sends, activities: { sendReply: fakes.sendReply } }),
    ];
    running = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  });

  afterAll(async () => {
    workers.forEach((w) => w.shutdown());
    await running;
    await connection.close();
  });

  const defaultLlm = behaviour.llm;
  beforeEach(() => {
    behaviour.llm = defaultLlm;
    behaviour.integrationActive = true;
  });

  let seq = 0;
  const message = (body: string, dedupeKey = `k-${++seq}`): InboundMessage => ({ dedupeKey, body, author: 'whatsapp:+4915112345678', receivedAt: new Date().toISOString() });

  async function start(conversationSid: string, first: InboundMessage, opts: { coalesceWindowMs?: number; maxTurnsPerRun?: number } = {}) {
    return client.workflow.signalWithStart('conversationWorkflow', {
      workflowId: conversationWorkflowId('integration-1', conversationSid),
      taskQueue: queue,
      args: [{ integrationId: 'integration-1', conversationSid, customerPhone: first.author, coalesceWindowMs: opts.coalesceWindowMs ?? 0, maxTurnsPerRun: opts.maxTurnsPerRun }],
      signal: inboundMessageSignal,
      signalArgs: [first],
      typedSearchAttributes: [{ key: ConversationStatusAttribute, value: 'bot' }],
    });
  }

  const repliesTo = (sid: string) => sent.filter((s) => s.conversationSid === sid).map((s) => s.body);
  const waitForReplies = (sid: string, n: number) => eventually(async () => repliesTo(sid), (r) => r.length >= n);

  test('answers messages one turn at a time, in order, and drops duplicates across continue-as-new', async () => {
    const sid = 'CH-dedupe';
    const first = message('first');
    const handle = await start(sid, first, { maxTurnsPerRun: 1 });
    expect(await waitForReplies(sid, 1)).toEqual(['Reply to: first']);
    const firstRun = (await handle.describe()).runId;

    await handle.signal(inboundMessageSignal, first); // a redelivery after the run continued as new
    await handle.signal(inboundMessageSignal, message('second'));
    expect(await waitForReplies(sid, 2)).toEqual(['Reply to: first', 'Reply to: second']);
    await handle.signal(inboundMessageSignal, message('third'));
    expect(await waitForReplies(sid, 3)).toEqual(['Reply to: first', 'Reply to: second', 'Reply to: third']);

    expect((await handle.describe()).runId).not.toBe(firstRun);
    const transcript = await eventually(() => handle.query(transcriptQuery), (t) => t.length >= 6);
    expect(transcript.map((e) => `${e.direction}:${e.text}`)).toEqual([
      'inbound:first', 'outbound:Reply to: first', 'inbound:second', 'outbound:Reply to: second', 'inbound:third', 'outbound:Reply to: third',
    ]);
    if (process.env.RECORD_HISTORIES === '1') {
      // The first run: a turn as a child workflow, then continue-as-new carrying the dedupe state.
      const history = await client.workflow.getHandle(handle.workflowId, firstRun).fetchHistory();
      writeFileSync(join(__dirname, 'histories', 'conversation-inline-continue-as-new.json'), historyToJSON(history));
    }
  });

  test('coalesces a burst of messages into one turn with one reply', async () => {
    const sid = 'CH-burst';
    const handle = await start(sid, message('Hi'), { coalesceWindowMs: 1_000 });
    await handle.signal(inboundMessageSignal, message('I ordered a lamp'));
    await handle.signal(inboundMessageSignal, message('it arrived broken'));
    expect(await waitForReplies(sid, 1)).toEqual(['Reply to: Hi + I ordered a lamp + it arrived broken']);
    expect(turns.filter((t) => t.conversationSid === sid).map((t) => t.messages.length)).toEqual([3]);
    if (process.env.RECORD_HISTORIES === '1') {
      // Turns run inline since the `inline-turns` patch; the earlier histories (turns as child
      // workflows: conversation-burst.json, turn-burst.json) stay committed for the replay test.
      await eventually(() => handle.query(transcriptQuery), (t) => t.length >= 4);
      writeFileSync(join(__dirname, 'histories', 'conversation-inline-burst.json'), historyToJSON(await handle.fetchHistory()));
    }
  });

  test('without a language model the turn goes to menu mode (which says so, see menu-mode.e2e-spec.ts)', async () => {
    behaviour.llm = async () => ({ kind: 'no_model' });
    const sid = 'CH-no-model';
    await start(sid, message('What are your opening hours?'));
    expect(await waitForReplies(sid, 1)).toEqual(['Menu: What are your opening hours?']);
  });

  test('when the language model fails after its retries the customer gets the fallback and a person is asked', async () => {
    behaviour.llm = async () => {
      throw ApplicationFailure.nonRetryable('model refused the request', 'LlmRequestRejected');
    };
    const sid = 'CH-llm-down';
    const handle = await start(sid, message('Can I change my order?'));
    expect(await waitForReplies(sid, 1)).toEqual([LLM_DOWN_REPLY]);
    expect(await eventually(() => handle.query(statusQuery), (s) => s !== 'bot')).toBe('waiting_for_human');
    const attributes = await eventually(async () => (await handle.describe()).typedSearchAttributes.get(ConversationStatusAttribute), (v) => v !== 'bot');
    expect(attributes).toBe('waiting_for_human');
  });

  test('when the language model rejects the key, the turn waits for the resume and then answers', async () => {
    let rejected = 0;
    behaviour.llm = async (messages) => {
      if (rejected++ === 0) throw ApplicationFailure.nonRetryable('model rejected the key', 'LlmAuthError');
      return { kind: 'llm', text: `Reply to: ${messages.join(' + ')}`, model: 'fake' };
    };
    const sid = 'CH-llm-key';
    behaviour.integrationActive = false; // paused by the rejected key
    const handle = await start(sid, message('Is my order shipped?'));
    await eventually(async () => rejected, (n) => n >= 1);
    // The conversation registers itself as waiting for the integration once the rejection is handled.
    await eventually(async () => (await handle.fetchHistory()).events?.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'waitForIntegration').length ?? 0, (n) => n > 0);
    expect(repliesTo(sid)).toEqual([]);
    behaviour.integrationActive = true;
    await handle.signal(integrationResumedSignal);
    expect(await waitForReplies(sid, 1)).toEqual(['Reply to: Is my order shipped?']);
  });

  test('a customer asking for a person is told one is coming, without the language model', async () => {
    let llmCalls = 0;
    behaviour.llm = async () => {
      llmCalls++;
      return { kind: 'llm', text: 'should not be used', model: 'fake' };
    };
    const sid = 'CH-human';
    const handle = await start(sid, message('Quiero hablar con una persona, por favor'));
    expect(await waitForReplies(sid, 1)).toEqual([handoffNotice('es')]);
    expect(llmCalls).toBe(0);
    expect(await eventually(() => handle.query(statusQuery), (s) => s !== 'bot')).toBe('waiting_for_human');
  });
});
