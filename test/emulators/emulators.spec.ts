import OpenAI from 'openai';
import twilio from 'twilio';
import { createTwilioClient, type TwilioClient } from '../../src/twilio/twilio-client.factory';
import { OpenAIEmulator } from './openai-emulator';
import { TwilioEmulator } from './twilio-emulator';

const ACCOUNT_SID = 'AC' + '1'.repeat(32);
const AUTH_TOKEN = 'emulated-auth-token';
const CONVERSATION_SID = 'CH' + 'a'.repeat(32);
const BASIC_AUTH = 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');

describe('TwilioEmulator with the real twilio client', () => {
  let emulator: TwilioEmulator;
  let client: TwilioClient;

  beforeAll(async () => {
    emulator = await TwilioEmulator.start();
    emulator.addAccount(ACCOUNT_SID, AUTH_TOKEN);
    client = createTwilioClient(ACCOUNT_SID, AUTH_TOKEN, emulator.baseUrl);
  });
  afterEach(() => emulator.reset());
  afterAll(() => emulator.close());

  const messages = () => client.conversations.v1.conversations(CONVERSATION_SID).messages;

  it('fetches the account', async () => {
    const account = await client.api.v2010.accounts(ACCOUNT_SID).fetch();
    expect(account).toMatchObject({ sid: ACCOUNT_SID, status: 'active', type: 'Full' });
    expect(account.dateCreated).toBeInstanceOf(Date);
  });

  it('creates a conversation message and records it', async () => {
    const attributes = JSON.stringify({ replyTo: 'IMx' });
    const created = await messages().create({ author: 'agent', body: 'Hello', attributes });

    expect(created.sid).toMatch(/^IM[0-9a-f]{32}$/);
    expect(created).toMatchObject({ conversationSid: CONVERSATION_SID, author: 'agent', body: 'Hello', attributes, index: 0 });
    expect(emulator.messages).toEqual([
      expect.objectContaining({ sid: created.sid, accountSid: ACCOUNT_SID, author: 'agent', body: 'Hello', attributes, index: 0 }),
    ]);
    expect(emulator.messages[0].webhookEnabledHeader).toBeUndefined();

    await messages().create({ body: 'Again', xTwilioWebhookEnabled: 'true' });
    expect(emulator.messagesFor(CONVERSATION_SID).map((m) => [m.index, m.author, m.webhookEnabledHeader])).toEqual([
      [0, 'agent', undefined],
      [1, 'system', 'true'],
    ]);
  });

  it('lists messages in either order, following pages', async () => {
    for (const body of ['one', 'two', 'three']) await messages().create({ body });

    const ascending = await messages().list({ order: 'asc', pageSize: 2 });
    expect(ascending.map((m) => m.body)).toEqual(['one', 'two', 'three']);
    const descending = await messages().list({ order: 'desc', limit: 2 });
    expect(descending.map((m) => m.body)).toEqual(['three', 'two']);
  });

  it('updates and fetches the webhook configuration', async () => {
    const preWebhookUrl = 'https://agent.example.com/twilio/pre';
    const updated = await client.conversations.v1.configuration
      .webhooks()
      .update({ preWebhookUrl, filters: ['onMessageAdd'], method: 'POST', target: 'webhook' });

    expect(updated).toMatchObject({ accountSid: ACCOUNT_SID, preWebhookUrl, filters: ['onMessageAdd'], method: 'POST', target: 'webhook' });
    expect(emulator.webhookConfiguration(ACCOUNT_SID)).toEqual({
      preWebhookUrl,
      postWebhookUrl: null,
      method: 'POST',
      filters: ['onMessageAdd'],
      target: 'webhook',
    });
    await expect(client.conversations.v1.configuration.webhooks().fetch()).resolves.toMatchObject({ preWebhookUrl });
  });

  it('uploads media bytes and attaches them to a message', async () => {
    const bytes = Buffer.from('fake-png-bytes');
    const response = await fetch(`${emulator.baseUrl}/v1/Services/IS${'b'.repeat(32)}/Media`, {
      method: 'POST',
      headers: { Authorization: BASIC_AUTH, 'Content-Type': 'image/png' },
      body: bytes,
    });
    expect(response.status).toBe(201);
    const { sid } = (await response.json()) as { sid: string };
    expect(sid).toMatch(/^ME[0-9a-f]{32}$/);
    expect(emulator.media.get(sid)).toMatchObject({ contentType: 'image/png', bytes });

    const created = await messages().create({ mediaSid: sid });
    expect(created.media).toEqual([expect.objectContaining({ sid, content_type: 'image/png', size: bytes.length })]);
  });

  it('rejects a wrong auth token with RestException 401 / 20003', async () => {
    const intruder = createTwilioClient(ACCOUNT_SID, 'wrong-token', emulator.baseUrl);
    const error = await intruder.api.v2010.accounts(ACCOUNT_SID).fetch().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({ status: 401, code: 20003, message: 'Authenticate' });
  });

  it('answers an injected 429 once, without creating a message, then succeeds', async () => {
    emulator.failNext(1, { status: 429, code: 20429, retryAfterSeconds: 1 });

    await expect(messages().create({ body: 'first try' })).rejects.toMatchObject({ status: 429, code: 20429 });
    await messages().create({ body: 'second try' });

    expect(emulator.createAttempts).toBe(2);
    expect(emulator.messages.map((m) => m.body)).toEqual(['second try']);
    expect(emulator.requests.map((r) => r.status)).toEqual([429, 201]);
  });

  it('fails matching paths until cleared, with Retry-After, and answers slowly on demand', async () => {
    emulator.failWhile({ status: 503, retryAfterSeconds: 7, path: /\/Messages$/ });
    await expect(messages().create({ body: 'x' })).rejects.toMatchObject({ status: 503, code: 20503 });
    await expect(client.api.v2010.accounts(ACCOUNT_SID).fetch()).resolves.toMatchObject({ sid: ACCOUNT_SID });
    const raw = await fetch(`${emulator.baseUrl}/v1/Conversations/${CONVERSATION_SID}/Messages`, {
      headers: { Authorization: BASIC_AUTH },
    });
    expect([raw.status, raw.headers.get('retry-after')]).toEqual([503, '7']);

    emulator.clearFailures();
    emulator.setDelay(100);
    const started = Date.now();
    await messages().create({ body: 'slow' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(emulator.messages.map((m) => m.body)).toEqual(['slow']);
  });

  it('waits for messages event-driven and times out clearly', async () => {
    const waiting = emulator.waitForMessages(1, { conversationSid: CONVERSATION_SID });
    const [found] = await Promise.all([waiting, messages().create({ body: 'later' })]);
    expect(found).toEqual([expect.objectContaining({ body: 'later' })]);

    await expect(emulator.waitForMessages(2, { timeoutMs: 50 })).rejects.toThrow(/Timed out after 50 ms waiting for 2 message/);
  });

  it('fetches a customer conversation that has messages, with its Conversations service', async () => {
    emulator.addCustomerMessage(ACCOUNT_SID, CONVERSATION_SID, { author: 'whatsapp:+34600111222', body: 'hi', dateCreated: new Date() });
    await expect(client.conversations.v1.conversations(CONVERSATION_SID).fetch()).resolves.toMatchObject({ sid: CONVERSATION_SID, chatServiceSid: expect.stringMatching(/^IS[0-9a-f]{32}$/) });
  });

  it('answers unknown paths with a Twilio 404', async () => {
    await expect(client.conversations.v1.conversations(CONVERSATION_SID).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });
});

describe('OpenAIEmulator with the real openai client', () => {
  let emulator: OpenAIEmulator;
  let client: OpenAI;

  beforeAll(async () => {
    emulator = await OpenAIEmulator.start();
    client = new OpenAI({ apiKey: emulator.apiKey, baseURL: emulator.baseUrl, maxRetries: 0 });
  });
  afterEach(() => emulator.reset());
  afterAll(() => emulator.close());

  const lookupTool = {
    type: 'function' as const,
    function: { name: 'lookup_order', description: 'Finds an order', parameters: { type: 'object', properties: { id: { type: 'string' } } } },
  };

  it('echoes the last user message by default', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi there' }],
    });

    expect(completion.model).toBe('gpt-test');
    expect(completion.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: 'Echo: Hi there' } });
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    expect(emulator.requests).toHaveLength(1);
  });

  it('returns a scripted tool call', async () => {
    emulator.respond((req) => ({ toolCalls: [{ name: req.tools![0].function.name, arguments: { id: '42' } }] }));

    const completion = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'Where is order 42?' }],
      tools: [lookupTool],
    });

    const [choice] = completion.choices;
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls![0];
    expect(call.type === 'function' && call.function.name).toBe('lookup_order');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ id: '42' });
  });

  it('rejects tools whose parameters are not an object schema', async () => {
    const badTool = { ...lookupTool, function: { ...lookupTool.function, parameters: { type: 'string' } } };
    const request = client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'x' }], tools: [badTool] });

    await expect(request).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    expect(emulator.schemaProblems).toEqual([expect.stringContaining('tools[0] (lookup_order): parameters')]);
  });

  it('rejects a wrong API key with 401', async () => {
    const intruder = new OpenAI({ apiKey: 'sk-wrong', baseURL: emulator.baseUrl, maxRetries: 0 });
    const error = await intruder.models.list().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key' });
  });

  it('surfaces an injected 500 once, then answers again', async () => {
    emulator.failNext(1, { status: 500 });
    const ask = () => client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'ping' }] });

    await expect(ask()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(ask()).resolves.toMatchObject({ choices: [{ message: { content: 'Echo: ping' } }] });
    expect(emulator.requests).toHaveLength(2);
  });

  it('lists one model', async () => {
    const models = await client.models.list();
    expect(models.data).toHaveLength(1);
  });
});
