import type { ChatRequest } from './emulators/openai-emulator';
import { eventually } from './support/eventually';
import { recordHistory } from './support/record-history';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';
import { conversationWorkflowId } from '../workflows/definitions';

const NOTICE = 'A person from our team will take over here shortly.';
const MODEL_SUMMARY = 'Lena (+4915112345678) received order 1042 broken and wants a replacement. The assistant could not help; a person must arrange the replacement.';

interface Summary { trigger: string; summary: string; model: string | null; createdAt: string }

/**
 * Summaries for staff at hand-off and close, end to end: real Temporal and PostgreSQL, the model
 * emulated at its HTTP API. The model writes the summary from the transcript; when it fails, the
 * summary is extracted from the transcript and the hand-off goes on regardless.
 */
describe('conversation summaries', () => {
  let t: TestApp;
  let agentKey: string;
  /** Summary requests the model received; `failSummaries` makes the model answer them with 500. */
  const summaryRequests: ChatRequest[] = [];
  let failSummaries = false;

  const systemOf = (req: ChatRequest) => String(req.messages[0]?.content ?? '');
  function model(req: ChatRequest) {
    if (systemOf(req).includes('internal note for the team')) {
      summaryRequests.push(req);
      if (failSummaries) throw new Error('model down'); // the emulator answers 500
      return { content: MODEL_SUMMARY };
    }
    if (systemOf(req).includes('has been asked to take over')) return { content: NOTICE };
    return { content: `Echo: ${String(req.messages.at(-1)?.content)}` };
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { DAILY_DIGEST_TIME: 'off' } });
    t.openai.respond(model);
    const res = await t.api('POST', '/api/keys', { name: 'Dana', role: 'agent' });
    agentKey = ((await res.json()) as { key: string }).key;
  });
  afterAll(() => t?.close());

  let token = 0;
  const say = (sid: string, body: string) =>
    t.webhook(messageEvent({ ConversationSid: sid, Body: body, Author: 'whatsapp:+4915112345678' }), { idempotencyToken: `summary-${++token}` });
  const conversation = async (sid: string) =>
    (await (await t.api('GET', `/api/conversations/${sid}`, undefined, agentKey)).json()) as { status: string; summaries: Summary[] };
  const summariesOf = (sid: string, n: number) => eventually(async () => (await conversation(sid)).summaries, (s) => s.length >= n, 20_000);

  async function handOff(sid: string) {
    await say(sid, 'Hello, my order 1042 arrived broken');
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    await say(sid, 'I want to talk to a human');
    const sent = await t.twilio.waitForMessages(2, { conversationSid: sid, timeoutMs: 20_000 });
    expect(sent[1]!.body).toBe(NOTICE);
    await eventually(async () => (await conversation(sid)).status, (s) => s === 'waiting_for_human');
  }

  test('a hand-off stores the model’s summary of the transcript; a close stores another', async () => {
    const sid = newConversationSid();
    await handOff(sid);
    const [atHandoff] = await summariesOf(sid, 1);
    expect(atHandoff).toMatchObject({ trigger: 'handoff', summary: MODEL_SUMMARY, model: 'gpt-4o-mini' });

    // The model read the transcript: the customer's words, the bot's reply, the notice, and why a person was asked for.
    const asked = summaryRequests.find((r) => String(r.messages[1]?.content).includes('Hello, my order 1042 arrived broken'))!;
    expect(asked).toBeDefined();
    const transcript = String(asked.messages[1]!.content);
    expect(transcript).toContain('Customer: Hello, my order 1042 arrived broken');
    expect(transcript).toContain('Bot: Echo: Hello, my order 1042 arrived broken');
    expect(transcript).toContain('Customer: I want to talk to a human');
    expect(transcript).toContain('Handed to a person because: customer_request');
    expect(systemOf(asked)).toContain('Write in English. At most 600 characters.');
    // Staff only: the summary never reached the customer.
    expect(t.twilio.messagesFor(sid).map((m) => m.body)).not.toContain(MODEL_SUMMARY);

    expect((await t.api('POST', `/api/conversations/${sid}/takeover`, undefined, agentKey)).status).toBe(200);
    expect((await t.api('POST', `/api/conversations/${sid}/messages`, { body: 'Hi, Dana here: a replacement is on its way.' }, agentKey)).status).toBe(201);
    expect((await t.api('POST', `/api/conversations/${sid}/close`, undefined, agentKey)).status).toBe(200);
    const summaries = await summariesOf(sid, 2);
    expect(summaries.map((s) => s.trigger)).toEqual(['close', 'handoff']); // newest first
    expect(summaries[0]).toMatchObject({ summary: MODEL_SUMMARY, model: 'gpt-4o-mini' });
    expect(String(summaryRequests.at(-1)!.messages[1]!.content)).toContain('Agent Dana: Hi, Dana here: a replacement is on its way.');
    await recordHistory(t.temporal.workflow.getHandle(conversationWorkflowId(t.integrationId, sid)), 'conversation-summaries.json');
  });

  test('with the model failing, the summary is extracted from the transcript and the hand-off still happens', async () => {
    failSummaries = true;
    try {
      const sid = newConversationSid();
      const before = summaryRequests.length;
      await handOff(sid);
      const [summary] = await summariesOf(sid, 1);
      expect(summaryRequests.length).toBeGreaterThan(before); // the model was asked, and answered 500
      expect(summary).toMatchObject({ trigger: 'handoff', model: null });
      expect(summary!.summary).toBe(
        'Handed to a person (customer request). Customer: whatsapp:+4915112345678. ' +
          'Last from the customer: "Hello, my order 1042 arrived broken" / "I want to talk to a human".',
      );
      const { status } = await conversation(sid);
      expect(status).toBe('waiting_for_human');
    } finally {
      failSummaries = false;
    }
  });
});
