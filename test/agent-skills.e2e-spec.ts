import type { ChatRequest, ScriptedReply } from './emulators/openai-emulator';
import { askToConfirm, declinedReply } from '../workflows/confirmation';
import { conversationWorkflowId } from '../workflows/definitions';
import { orderWorkflowId } from '../workflows/skill-definitions';
import { recordHistory } from './support/record-history';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

const FAQ = `# Opening hours

We are open Monday to Saturday from 10:00 to 19:00. On Sundays the shop is closed.

# Shipping

Orders ship within two working days. Shipping in Spain costs 4.90 EUR and is free above 60 EUR.`;

const PRODUCTS = [
  { sku: 'SHOE-1', name: 'Trail running shoe', description: 'Light shoe for mountain trails', price: { amount: 59.9, currency: 'EUR' }, stock: 5, attributes: { sizes: '38-46' } },
  { sku: 'SOCK-2', name: 'Merino socks', description: 'Warm wool socks, pack of two', price: { amount: 12.5, currency: 'EUR' }, stock: 40 },
];

/** The model's side of a conversation: a tool call for the customer's message, then text from the tool's result. */
type Script = (req: ChatRequest) => ScriptedReply;
const lastUser = (req: ChatRequest) => String([...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '');
const lastTool = (req: ChatRequest) => {
  const last = req.messages[req.messages.length - 1];
  return last?.role === 'tool' ? String(last.content) : undefined;
};

/**
 * The agent's skills end to end: business data through the admin API, the LLM ⇄ tool loop run by the
 * conversation workflow (each tool an activity), confirmation before an order, the order workflow
 * with the sandbox pay page. The model is the scripted emulator; everything else is real.
 */
describe('agent skills', () => {
  let t: TestApp;
  let token = 0;
  const send = (sid: string, body: string, author = 'whatsapp:+4915112345678') =>
    t.webhook(messageEvent({ ConversationSid: sid, Body: body, Author: author }), { idempotencyToken: `skills-${++token}` });
  const script = (s: Script) => t.openai.respond(s);
  const toolCalls = (sid: string) =>
    t.db.query(`SELECT tool, outcome, arguments, result FROM tool_calls WHERE conversation_sid = $1 ORDER BY created_at, call_key`, [sid]) as Promise<
      { tool: string; outcome: string; arguments: unknown; result: unknown }[]
    >;
  const stock = async (sku: string) => (await t.db.query(`SELECT stock FROM products WHERE sku = $1`, [sku]))[0].stock as number;

  beforeAll(async () => {
    t = await startTestApp();
    expect((await t.api('PUT', '/api/settings', { businessName: 'Trail Shop', tone: 'friendly', returnWindowDays: 30 })).status).toBe(200);
    expect((await t.api('POST', '/api/knowledge', { title: 'Shop FAQ', content: FAQ, url: 'https://shop.example/faq', locale: 'en' })).status).toBe(201);
    expect((await t.api('PUT', '/api/products', PRODUCTS)).status).toBe(200);
  });
  afterEach(() => t.openai.reset());
  afterAll(() => t?.close());

  test('a knowledge question is answered from the search, citing its source; the model was offered valid tool schemas', async () => {
    const sid = newConversationSid();
    script((req) => {
      const result = lastTool(req);
      if (result === undefined) return { toolCalls: [{ name: 'search_knowledge', arguments: { query: 'open Sunday' } }] };
      const { passages } = JSON.parse(result) as { passages: { source: string; text: string }[] };
      return { content: `${passages[0]!.text.split('.')[1]!.trim()}. (Source: ${passages[0]!.source})` };
    });
    await send(sid, 'Are you open on Sunday?');
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toBe('On Sundays the shop is closed. (Source: Shop FAQ › Opening hours)');
    expect(t.openai.schemaProblems).toEqual([]);
    expect(t.openai.requests[0]!.tools!.map((tool) => tool.function.name).sort()).toEqual(
      ['book_appointment', 'cancel_appointment', 'create_order', 'escalate_to_human', 'find_appointment_slots', 'get_order_status', 'request_return', 'reschedule_appointment', 'search_knowledge', 'search_products', 'set_follow_up', 'update_customer_profile'],
    );
    expect(t.openai.requests[0]!.messages[0]!.content).toContain('Trail Shop');
    expect(await toolCalls(sid)).toEqual([expect.objectContaining({ tool: 'search_knowledge', outcome: 'ok', arguments: { query: 'open Sunday' } })]);
  });

  test('a question the knowledge cannot answer is logged as a gap, and the model is told to offer a person', async () => {
    const sid = newConversationSid();
    script((req) => (lastTool(req) === undefined ? { toolCalls: [{ name: 'search_knowledge', arguments: { query: 'parking spaces' } }] } : { content: `Tool said: ${lastTool(req)}` }));
    await send(sid, 'Do you have parking spaces?');
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toContain('"found":false');
    expect(reply!.body).toContain('offer to pass them to a person');
    const gaps = (await (await t.api('GET', '/api/knowledge/gaps')).json()) as { question: string; times: number }[];
    expect(gaps).toEqual(expect.arrayContaining([expect.objectContaining({ question: 'parking spaces', times: 1 })]));
  });

  test('invalid tool arguments go back to the model as an error and never reach the handler', async () => {
    const sid = newConversationSid();
    script((req) => (lastTool(req) === undefined ? { toolCalls: [{ name: 'search_products', arguments: { query: 5, color: 'red' } }] } : { content: `Tool said: ${lastTool(req)}` }));
    await send(sid, 'Any red shoes?');
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toMatch(/^Tool said: \{"error":"Invalid arguments: .*query.*expected string/);
    expect(await toolCalls(sid)).toEqual([expect.objectContaining({ tool: 'search_products', outcome: 'invalid' })]);
  });

  test('an order waits for the customer\'s YES, runs once, and is paid on the sandbox page', async () => {
    const sid = newConversationSid();
    const before = await stock('SHOE-1');
    script((req) => {
      if (lastTool(req) !== undefined) return { content: 'This should not be sent: the summary is the reply.' };
      if (/shoes/.test(lastUser(req))) return { content: 'Great, 2 pairs for 10 EUR!', toolCalls: [{ name: 'create_order', arguments: { items: [{ sku: 'SHOE-1', quantity: 2 }] } }] };
      return { content: `Model saw: ${lastUser(req)}` };
    });
    await send(sid, 'I want 2 pairs of the trail shoes');
    const [summary] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    // The summary is rendered from the catalogue, not from the model's "10 EUR".
    expect(summary!.body).toBe(`Please confirm your order:\n• 2 × Trail running shoe (SHOE-1): 119.80 EUR\nTotal: 119.80 EUR\n\n${askToConfirm('en')}`);
    expect(await t.db.query(`SELECT id FROM orders WHERE conversation_sid = $1`, [sid])).toEqual([]);
    expect(await stock('SHOE-1')).toBe(before);

    const modelCalls = t.openai.requests.length;
    await send(sid, 'Yes please');
    const messages = await t.twilio.waitForMessages(3, { conversationSid: sid, timeoutMs: 20_000 });
    expect(t.openai.requests.length).toBe(modelCalls); // the YES is the workflow's, not the model's
    expect(messages[1]!.body).toMatch(/^Order #\d+ is placed \(total 119\.80 EUR\)\. The payment link follows\.$/);
    const number = /#(\d+)/.exec(messages[1]!.body!)![1]!;
    const link = /https?:\/\/\S+\/pay\/(\S+)$/.exec(messages[2]!.body!);
    expect(messages[2]!.body).toContain(`To pay order #${number} (119.80 EUR), open: `);
    expect(await stock('SHOE-1')).toBe(before - 2);

    // A second YES finds nothing pending: it goes to the model, and there is still one order.
    await send(sid, 'yes');
    const afterSecondYes = await t.twilio.waitForMessages(4, { conversationSid: sid, timeoutMs: 20_000 });
    expect(afterSecondYes[3]!.body).toBe('Model saw: yes');
    expect(await t.db.query(`SELECT number, status, total_amount FROM orders WHERE conversation_sid = $1`, [sid])).toEqual([{ number, status: 'awaiting_payment', total_amount: '119.80' }]);
    expect((await toolCalls(sid)).map((c) => `${c.tool}:${c.outcome}`)).toEqual(['create_order:ok']);

    // The sandbox pay page (public, keyed by the unguessable token) shows the order and takes the payment.
    const page = await fetch(`${t.url}/pay/${link![1]}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('119.80 EUR');
    const paid = await fetch(`${t.url}/pay/${link![1]}`, { method: 'POST' });
    expect(await paid.text()).toContain('Payment received');
    const receipt = await t.twilio.waitForMessages(5, { conversationSid: sid, timeoutMs: 20_000 });
    expect(receipt[4]!.body).toBe(`Payment received, thank you! Receipt for order #${number}:\n• 2 × Trail running shoe (SHOE-1): 119.80 EUR\nTotal: 119.80 EUR`);
    const orders = (await (await t.api('GET', '/api/orders?status=paid')).json()) as { number: string; total: number }[];
    expect(orders).toEqual(expect.arrayContaining([expect.objectContaining({ number, total: 11980 })]));
    expect(await stock('SHOE-1')).toBe(before - 2);
    await recordHistory(t.temporal.workflow.getHandle(conversationWorkflowId(t.integrationId, sid)), 'conversation-agent-order.json');
    await recordHistory(t.temporal.workflow.getHandle(orderWorkflowId(number)), 'order-paid.json');
  });

  test('NO cancels the summary and nothing is ordered; a quantity beyond stock is refused to the model', async () => {
    const sid = newConversationSid();
    script((req) => {
      const result = lastTool(req);
      if (result !== undefined) return { content: `Tool said: ${result}` };
      const quantity = /(\d+)/.exec(lastUser(req))?.[1];
      return { toolCalls: [{ name: 'create_order', arguments: { items: [{ sku: 'SOCK-2', quantity: Number(quantity ?? 1) }] } }] };
    });
    await send(sid, 'I want 3 merino socks');
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    await send(sid, 'no');
    const messages = await t.twilio.waitForMessages(2, { conversationSid: sid, timeoutMs: 20_000 });
    expect(messages[1]!.body).toBe(declinedReply('en'));

    await send(sid, 'Then 41 socks');
    const refused = await t.twilio.waitForMessages(3, { conversationSid: sid, timeoutMs: 20_000 });
    expect(refused[2]!.body).toBe('Tool said: {"error":"Merino socks (SOCK-2): 40 in stock, 41 asked"}');
    expect(await t.db.query(`SELECT id FROM orders WHERE conversation_sid = $1`, [sid])).toEqual([]);
    expect((await toolCalls(sid)).map((c) => `${c.tool}:${c.outcome}`)).toEqual(['create_order:declined', 'create_order:refused']);
  });

  test('a price changed between the summary and the YES: nothing is ordered, and the customer is told', async () => {
    const sid = newConversationSid();
    script(() => ({ toolCalls: [{ name: 'create_order', arguments: { items: [{ sku: 'SOCK-2', quantity: 1 }] } }] }));
    await send(sid, 'One pack of merino socks please');
    const [summary] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(summary!.body).toContain('Total: 12.50 EUR');
    await t.api('PUT', '/api/products', [{ ...PRODUCTS[1], price: { amount: 14, currency: 'EUR' } }]);
    await send(sid, 'yes');
    const replies = await t.twilio.waitForMessages(2, { conversationSid: sid, timeoutMs: 20_000 });
    expect(replies[1]!.body).toBe('The prices changed since the summary (now 14.00 EUR): nothing was ordered. Ask again to see the new summary.');
    expect(await t.db.query(`SELECT id FROM orders WHERE conversation_sid = $1`, [sid])).toEqual([]);
    expect((await toolCalls(sid)).map((c) => `${c.tool}:${c.outcome}`)).toEqual(['create_order:refused']);
    await t.api('PUT', '/api/products', PRODUCTS);
  });

  test("order status shows only the conversation's own customer's orders", async () => {
    const [order] = (await t.db.query(`SELECT number FROM orders LIMIT 1`)) as { number: string }[];
    expect(order).toBeDefined();
    const sid = newConversationSid();
    script((req) => (lastTool(req) === undefined ? { toolCalls: [{ name: 'get_order_status', arguments: { orderNumber: order!.number } }] } : { content: `Tool said: ${lastTool(req)}` }));
    await send(sid, `Where is order ${order!.number}?`, 'whatsapp:+34600999888');
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toBe(`Tool said: {"orders":[],"note":"This customer has no order ${order!.number}."}`);
  });

  test('the business data API validates every row and applies all or nothing', async () => {
    const bad = await t.api('PUT', '/api/products', [
      { sku: 'OK-1', name: 'Fine', price: { amount: 1, currency: 'EUR' }, stock: 1 },
      { sku: 'BAD 2', name: '', price: { amount: 1.234, currency: 'eur' }, stock: -1 },
    ]);
    expect(bad.status).toBe(400);
    const problems = ((await bad.json()) as { problems: { field: string }[] }).problems.map((p) => p.field).sort();
    expect(problems).toEqual(['1.name', '1.price.amount', '1.price.currency', '1.sku', '1.stock']);
    expect(await t.db.query(`SELECT sku FROM products WHERE sku = 'OK-1'`)).toEqual([]);
    const duplicate = await t.api('PUT', '/api/products', [PRODUCTS[0], PRODUCTS[0]]);
    expect(duplicate.status).toBe(400);

    const found = (await (await t.api('GET', '/api/products?query=sock')).json()) as { sku: string }[];
    expect(found.map((p) => p.sku)).toEqual(['SOCK-2']);

    const again = await t.api('POST', '/api/knowledge', { title: 'Shop FAQ', content: FAQ, url: 'https://shop.example/faq', locale: 'en' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ created: false });
    expect((await t.api('POST', '/api/knowledge', { title: '', content: 'x', url: 'javascript:alert(1)' })).status).toBe(400);
    const created = (await (await t.api('POST', '/api/knowledge', { title: 'Temp', content: 'Temporary note about gift cards.' })).json()) as { id: string };
    const search = (await (await t.api('GET', '/api/knowledge/search?query=gift%20cards')).json()) as { title: string }[];
    expect(search[0]!.title).toBe('Temp');
    expect((await t.api('DELETE', `/api/knowledge/${created.id}`)).status).toBe(204);
    expect((await t.api('DELETE', `/api/knowledge/${created.id}`)).status).toBe(404);
    expect(((await (await t.api('GET', '/api/knowledge')).json()) as unknown[]).length).toBe(1);

    expect((await t.api('PUT', '/api/settings', { returnWindowDays: -1 })).status).toBe(400);
    expect(await (await t.api('GET', '/api/settings')).json()).toMatchObject({ businessName: 'Trail Shop', returnWindowDays: 30 });
    for (const path of ['/api/settings', '/api/knowledge', '/api/products', '/api/orders']) expect((await t.api('GET', path, undefined, null)).status).toBe(401);
  });
});
