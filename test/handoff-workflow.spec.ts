import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, Worker } from '@temporalio/worker';
import {
  AssignedAgentAttribute,
  type Caller,
  closeUpdate,
  ConversationStatusAttribute,
  conversationWorkflowId,
  handBackUpdate,
  handoffQuery,
  HandoffRejection,
  type InboundMessage,
  inboundMessageSignal,
  integrationResumedSignal,
  sendAgentMessageUpdate,
  takeOverUpdate,
  taskQueues,
} from '../workflows/definitions';
import { handoffNotice } from '../workflows/replies';
import { eventually } from './support/eventually';
import { fakeActivities } from './support/fake-activities';

const dana: Caller = { id: 'key-dana', name: 'Dana', role: 'agent' };
const sam: Caller = { id: 'key-sam', name: 'Sam', role: 'agent' };
const admin: Caller = { id: 'admin', name: 'admin', role: 'admin' };

/**
 * The hand-off state machine of the conversation workflow on a real Temporal server with fake
 * activities: every transition, every refusal, and the bot's silence while a person owns the
 * conversation, across continue-as-new and a worker restart.
 */
describe('hand-off in the conversation workflow', () => {
  let connection: Connection;
  let native: NativeConnection;
  let client: Client;
  let workers: Worker[] = [];
  let running: Promise<void>;
  const queue = `handoff-${randomBytes(4).toString('hex')}`;
  const { activities, record, behaviour } = fakeActivities();
  const defaultLlm = behaviour.llm;

  async function startWorkers() {
    workers = [
      await Worker.create({ connection: native, taskQueue: queue, workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, activities }),
      await Worker.create({ connection: native, taskQueue: taskQueues(queue).sends, activities: { sendReply: activities.sendReply } }),
    ];
    running = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  }
  async function stopWorkers() {
    workers.forEach((w) => w.shutdown());
    await running;
  }

  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS });
    client = new Client({ connection });
    native = await NativeConnection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS });
    await startWorkers();
  });
  afterAll(async () => {
    await stopWorkers();
    await native.close();
    await connection.close();
  });
  beforeEach(() => {
    behaviour.llm = defaultLlm;
    behaviour.beforeRecordInbound = async () => undefined;
    behaviour.beforeSend = async () => undefined;
    behaviour.integrationActive = true;
  });

  let seq = 0;
  const message = (body: string): InboundMessage => ({ dedupeKey: `h-${++seq}`, body, author: 'whatsapp:+4915112345678', receivedAt: new Date().toISOString() });

  async function start(sid: string, first: InboundMessage, opts: { maxTurnsPerRun?: number } = {}) {
    return client.workflow.signalWithStart('conversationWorkflow', {
      workflowId: conversationWorkflowId('integration-1', sid),
      taskQueue: queue,
      args: [{ integrationId: 'integration-1', conversationSid: sid, customerPhone: first.author, coalesceWindowMs: 0, maxTurnsPerRun: opts.maxTurnsPerRun }],
      signal: inboundMessageSignal,
      signalArgs: [first],
      typedSearchAttributes: [{ key: ConversationStatusAttribute, value: 'bot' }],
    });
  }

  const sentTo = (sid: string) => record.sent.filter((s) => s.conversationSid === sid).map((s) => s.body);
  const waitForSent = (sid: string, n: number) => eventually(async () => sentTo(sid), (r) => r.length >= n);
  const inboundOf = (sid: string) => record.inbound.filter((t) => t.conversationSid === sid).flatMap((t) => t.messages.map((m) => m.body));
  const changesOf = (sid: string) => record.statusChanges.filter((c) => c.conversationSid === sid).map((c) => `${c.from}→${c.to}:${c.cause}`);
  const statusOf = (handle: WorkflowHandle) => handle.query(handoffQuery).then((s) => s.status);
  const attributes = async (handle: WorkflowHandle) => {
    const sa = (await handle.describe()).typedSearchAttributes;
    return { status: sa.get(ConversationStatusAttribute), agent: sa.get(AssignedAgentAttribute) };
  };
  const rejectedWith = (type: string) => expect.objectContaining({ cause: expect.objectContaining({ type }) });

  /** Sends a customer message and waits until the workflow has recorded it. */
  async function customerWrites(handle: WorkflowHandle, sid: string, body: string) {
    await handle.signal(inboundMessageSignal, message(body));
    await eventually(async () => inboundOf(sid), (bodies) => bodies.includes(body));
  }

  async function escalated(sid: string) {
    const handle = await start(sid, message('I want to talk to a human'));
    expect(await waitForSent(sid, 1)).toEqual([handoffNotice('en')]);
    await eventually(() => statusOf(handle), (s) => s === 'waiting_for_human');
    return handle;
  }

  test('a customer asking for a person: waiting, recorded with its cause, administrators alerted, the bot silent', async () => {
    const sid = 'CH-handoff-wait';
    const handle = await escalated(sid);
    expect(await eventually(() => attributes(handle), (a) => a.status === 'waiting_for_human')).toEqual({ status: 'waiting_for_human', agent: undefined });
    expect(await eventually(async () => changesOf(sid), (c) => c.length > 0)).toEqual(['bot→waiting_for_human:customer_request']);
    await eventually(async () => record.alerts.filter((a) => a.kind === 'handoff_requested' && a.message.includes(sid)), (a) => a.length === 1);

    await customerWrites(handle, sid, 'Hello? Anyone there?');
    expect(sentTo(sid)).toEqual([handoffNotice('en')]);
    expect((await handle.query(handoffQuery)).waitingSince).toEqual(expect.any(String));
  });

  test('take over, write, hand back: every transition and every refusal', async () => {
    const sid = 'CH-handoff-full';
    const handle = await escalated(sid);

    await expect(handle.executeUpdate(handBackUpdate, { args: [sam] })).resolves.toMatchObject({ status: 'bot' });
    await expect(handle.executeUpdate(handBackUpdate, { args: [sam] })).rejects.toEqual(rejectedWith(HandoffRejection.alreadyWithBot));
    await expect(handle.executeUpdate(sendAgentMessageUpdate, { args: [{ caller: dana, body: 'Hi' }] })).rejects.toEqual(rejectedWith(HandoffRejection.notWithHuman));

    // An agent may take over a conversation the bot is handling.
    await expect(handle.executeUpdate(takeOverUpdate, { args: [dana] })).resolves.toEqual({ status: 'human', assignedAgent: { id: dana.id, name: 'Dana' }, waitingSince: null });
    await expect(handle.executeUpdate(takeOverUpdate, { args: [dana] })).resolves.toMatchObject({ status: 'human' }); // idempotent
    expect(await eventually(() => attributes(handle), (a) => a.status === 'human')).toEqual({ status: 'human', agent: 'Dana' });
    await expect(handle.executeUpdate(takeOverUpdate, { args: [sam] })).rejects.toEqual(rejectedWith(HandoffRejection.ownedByAnother));
    await expect(handle.executeUpdate(handBackUpdate, { args: [sam] })).rejects.toEqual(rejectedWith(HandoffRejection.notOwner));
    await expect(handle.executeUpdate(closeUpdate, { args: [sam] })).rejects.toEqual(rejectedWith(HandoffRejection.notOwner));
    await expect(handle.executeUpdate(sendAgentMessageUpdate, { args: [{ caller: sam, body: 'Hi' }] })).rejects.toEqual(rejectedWith(HandoffRejection.notOwner));
    await expect(handle.executeUpdate(sendAgentMessageUpdate, { args: [{ caller: dana, body: '   ' }] })).rejects.toEqual(rejectedWith(HandoffRejection.invalidMessage));
    await expect(handle.executeUpdate(sendAgentMessageUpdate, { args: [{ caller: dana, body: 'x'.repeat(4097) }] })).rejects.toEqual(rejectedWith(HandoffRejection.invalidMessage));

    await customerWrites(handle, sid, 'Is my parcel lost?');
    const agentReply = await handle.executeUpdate(sendAgentMessageUpdate, { args: [{ caller: dana, body: 'Hi, Dana here. Let me check.' }] });
    expect(agentReply.messageSid).toBe(`IM-${handle.workflowId}:agent-1`);
    expect(sentTo(sid)).toEqual([handoffNotice('en'), 'Hi, Dana here. Let me check.']);
    expect(record.replies.find((r) => r.body === 'Hi, Dana here. Let me check.')).toMatchObject({ sentBy: 'agent:Dana' });

    // An administrator may take a conversation from an agent.
    await expect(handle.executeUpdate(takeOverUpdate, { args: [admin] })).resolves.toMatchObject({ status: 'human', assignedAgent: { id: 'admin' } });
    await expect(handle.executeUpdate(sendAgentMessageUpdate, { args: [{ caller: dana, body: 'Still me' }] })).rejects.toEqual(rejectedWith(HandoffRejection.notOwner));
    await expect(handle.executeUpdate(handBackUpdate, { args: [admin] })).resolves.toMatchObject({ status: 'bot', assignedAgent: null });

    await handle.signal(inboundMessageSignal, message('Thanks! One more question'));
    expect(await waitForSent(sid, 3)).toEqual([handoffNotice('en'), 'Hi, Dana here. Let me check.', 'Reply to: Thanks! One more question']);

    await expect(handle.executeUpdate(closeUpdate, { args: [sam] })).resolves.toMatchObject({ status: 'closed' });
    for (const update of [takeOverUpdate, handBackUpdate, closeUpdate]) {
      await expect(handle.executeUpdate(update, { args: [admin] })).rejects.toEqual(rejectedWith(HandoffRejection.closed));
    }
    await expect(handle.executeUpdate(sendAgentMessageUpdate, { args: [{ caller: admin, body: 'Hi' }] })).rejects.toEqual(rejectedWith(HandoffRejection.closed));
    expect(await eventually(() => attributes(handle), (a) => a.status === 'closed')).toEqual({ status: 'closed', agent: undefined });

    // A customer writing to a closed conversation opens it again with the bot.
    await handle.signal(inboundMessageSignal, message('Hello again'));
    expect((await waitForSent(sid, 4)).at(-1)).toBe('Reply to: Hello again');
    expect(changesOf(sid)).toEqual([
      'bot→waiting_for_human:customer_request',
      'waiting_for_human→bot:agent_handback',
      'bot→human:agent_takeover',
      'human→human:agent_takeover',
      'human→bot:agent_handback',
      'bot→closed:agent_close',
      'closed→bot:customer_returned',
    ]);
    expect(record.statusChanges.filter((c) => c.conversationSid === sid).map((c) => c.actor)).toEqual([null, 'agent:Sam', 'agent:Dana', 'agent:admin', 'agent:admin', 'agent:Sam', null]);
    if (process.env.RECORD_HISTORIES === '1') {
      writeFileSync(join(__dirname, 'histories', 'conversation-inline-handoff.json'), historyToJSON(await handle.fetchHistory()));
    }
  });

  test('the model escalating with its tool: the customer gets its words, the team gets its reason', async () => {
    behaviour.llm = async () => ({ kind: 'escalate', text: 'Un momento, te paso con una persona del equipo.', reason: 'refund over the limit', model: 'fake' });
    const sid = 'CH-handoff-tool';
    const handle = await start(sid, message('Quiero un reembolso de 900 euros'));
    expect(await waitForSent(sid, 1)).toEqual(['Un momento, te paso con una persona del equipo.']);
    await eventually(() => statusOf(handle), (s) => s === 'waiting_for_human');
    const change = await eventually(async () => record.statusChanges.find((c) => c.conversationSid === sid), Boolean);
    expect(change).toMatchObject({ cause: 'llm_tool', reason: 'refund over the limit' });
  });

  test('turns that keep failing hand the conversation to a person, who is told', async () => {
    const sid = 'CH-handoff-failures';
    let failures = 0;
    behaviour.beforeRecordInbound = async (turn) => {
      if (turn.conversationSid === sid && failures < 2) throw ApplicationFailure.nonRetryable(`database gone ${++failures}`, 'SomethingBroken');
    };
    const handle = await start(sid, message('First question'));
    await eventually(async () => failures, (n) => n === 1);
    await handle.signal(inboundMessageSignal, message('Second question'));
    expect(await waitForSent(sid, 1)).toEqual([handoffNotice('en')]);
    await eventually(() => statusOf(handle), (s) => s === 'waiting_for_human');
    expect(await eventually(async () => changesOf(sid), (c) => c.length > 0)).toEqual(['bot→waiting_for_human:repeated_failures']);
    expect(record.statusChanges.find((c) => c.conversationSid === sid)?.reason).toContain('2 turns in a row failed');
  });

  test('a person taking over while the bot prepares its reply: the reply is never sent', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked = false;
    behaviour.llm = async (messages) => {
      asked = true;
      await gate;
      return { kind: 'llm', text: `Reply to: ${messages.join(' + ')}`, model: 'fake' };
    };
    const sid = 'CH-handoff-race';
    const handle = await start(sid, message('Where is my order?'));
    await eventually(async () => asked, Boolean);
    await handle.executeUpdate(takeOverUpdate, { args: [dana] });
    release();
    await handle.executeUpdate(sendAgentMessageUpdate, { args: [{ caller: dana, body: 'Dana here, checking now.' }] });
    // Recorded without a turn only once the prepared turn is over: then its reply is not coming.
    await customerWrites(handle, sid, 'Thank you');
    expect(sentTo(sid)).toEqual(['Dana here, checking now.']);
  });

  test('a bot reply waiting for a paused integration is not sent once a person has taken over', async () => {
    const sid = 'CH-handoff-paused';
    behaviour.integrationActive = false;
    behaviour.beforeSend = async () => {
      if (!behaviour.integrationActive) throw ApplicationFailure.create({ message: 'paused', type: 'IntegrationPaused', nonRetryable: true });
    };
    const handle = await start(sid, message('Where is my order?'));
    await eventually(async () => (await handle.fetchHistory()).events?.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'waitForIntegration') ?? false, Boolean);
    await handle.executeUpdate(takeOverUpdate, { args: [dana] });
    behaviour.integrationActive = true;
    await handle.signal(integrationResumedSignal);
    await handle.executeUpdate(sendAgentMessageUpdate, { args: [{ caller: dana, body: 'Dana here: it ships today.' }] });
    await customerWrites(handle, sid, 'Great, thanks');
    expect(sentTo(sid)).toEqual(['Dana here: it ships today.']);
  });

  test('the bot stays silent in human mode across continue-as-new and a worker restart', async () => {
    const sid = 'CH-handoff-durable';
    const handle = await start(sid, message('Hi'), { maxTurnsPerRun: 2 });
    await waitForSent(sid, 1);
    await handle.executeUpdate(takeOverUpdate, { args: [dana] });
    const firstRun = (await handle.describe()).runId;

    for (const body of ['one', 'two', 'three']) await customerWrites(handle, sid, body);
    await eventually(async () => (await handle.describe()).runId, (run) => run !== firstRun);

    await stopWorkers();
    await startWorkers();
    await customerWrites(handle, sid, 'four, after the restart');
    expect(await handle.query(handoffQuery)).toMatchObject({ status: 'human', assignedAgent: { id: dana.id } });
    expect(sentTo(sid)).toEqual(['Reply to: Hi']);

    await handle.executeUpdate(sendAgentMessageUpdate, { args: [{ caller: dana, body: 'Got all four, thanks' }] });
    expect(sentTo(sid)).toEqual(['Reply to: Hi', 'Got all four, thanks']);
  });
});
