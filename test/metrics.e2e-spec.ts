import type { ChatRequest } from './emulators/openai-emulator';
import { eventually } from './support/eventually';
import { ADMIN_KEY, messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const CUSTOMER = 'whatsapp:+4915112345678';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text exposition format, sample lines only (no comments), label values unescaped. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`Not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`. */
const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

const lastTool = (req: ChatRequest) => (req.messages.at(-1)?.role === 'tool' ? String(req.messages.at(-1)!.content) : undefined);

/** `GET /metrics`: who may scrape it, and what one answered message and one forged webhook leave in it. */
describe('metrics', () => {
  let t: TestApp;
  const scrape = async (key: string | null = METRICS_TOKEN) => {
    const res = await t.api('GET', '/metrics', undefined, key);
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN } });
  });
  afterAll(() => t?.close());

  test('needs the admin API key or METRICS_TOKEN', async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('not-the-metrics-token-000000')).status).toBe(401);
    for (const key of [ADMIN_KEY, METRICS_TOKEN]) {
      const res = await scrape(key);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain/);
      expect(parseExposition(res.text).some((s) => s.name === 'whatsapp_agent_integrations' && s.labels.status === 'active')).toBe(true);
    }
  });

  test('one answered message (with a tool call) and one forged webhook are counted, with no customer in any label', async () => {
    t.openai.respond((req) => (lastTool(req) === undefined ? { toolCalls: [{ name: 'search_knowledge', arguments: { query: 'opening hours' } }] } : { content: 'We open at ten.' }));
    const sid = newConversationSid();
    expect((await t.webhook(messageEvent({ ConversationSid: sid, Author: CUSTOMER, Body: 'When do you open?' }), { idempotencyToken: 'metrics-1' })).status).toBe(200);
    expect((await t.webhook(messageEvent({ ConversationSid: newConversationSid() }), { signature: 'forged' })).status).toBe(403);
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });

    // The reply is recorded just after Twilio accepts it.
    const samples = await eventually(async () => parseExposition((await scrape()).text), (s) => value(s, 'whatsapp_agent_reply_latency_seconds_count') >= 1);
    expect(value(samples, 'whatsapp_agent_webhooks_total', { event: 'onMessageAdd', outcome: 'accepted' })).toBe(1);
    expect(value(samples, 'whatsapp_agent_webhooks_total', { event: 'onMessageAdd', outcome: 'forbidden' })).toBe(1);
    expect(value(samples, 'whatsapp_agent_reply_latency_seconds_count')).toBe(1);
    expect(value(samples, 'whatsapp_agent_reply_latency_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(value(samples, 'whatsapp_agent_messages', { direction: 'inbound' })).toBe(1);
    expect(value(samples, 'whatsapp_agent_messages', { direction: 'outbound' })).toBe(1);
    expect(value(samples, 'whatsapp_agent_outbound_delivery_status', { status: 'accepted' })).toBe(1);
    expect(value(samples, 'whatsapp_agent_messages_sent_total', { kind: 'reply', outcome: 'ok' })).toBe(1);
    expect(value(samples, 'whatsapp_agent_tool_calls_total', { tool: 'search_knowledge', outcome: 'ok' })).toBe(1);
    // Two model calls: the tool call, then the answer from its result.
    expect(value(samples, 'whatsapp_agent_llm_request_duration_seconds_count', { model: t.config.openai.model, outcome: 'ok' })).toBe(2);
    expect(value(samples, 'whatsapp_agent_llm_tokens_total', { model: t.config.openai.model, type: 'prompt' })).toBeGreaterThan(0);

    const labelValues = samples.flatMap((s) => Object.values(s.labels));
    for (const forbidden of [sid, CUSTOMER, '+4915112345678', t.integrationId]) {
      expect(labelValues.filter((v) => v.includes(forbidden))).toEqual([]);
    }
  });
});
