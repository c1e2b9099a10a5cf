import type { ChatRequest } from './emulators/openai-emulator';
import { eventually } from './support/eventually';
import { recordHistory } from './support/record-history';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';
import { returnStatusQuery, returnWorkflowId } from '../workflows/skill-definitions';

const lastTool = (req: ChatRequest) => {
  const last = req.messages[req.messages.length - 1];
  return last?.role === 'tool' ? String(last.content) : undefined;
};
const lastUser = (req: ChatRequest) => String([...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '');

/**
 * Returns through the agent, end to end: only a paid order of the customer's own, inside the window,
 * for an accepted reason; confirmed by the customer; then moved on by staff through the API (409 for
 * a move that is not allowed), or approved by the business's rule, each change told to the customer.
 */
describe('agent returns', () => {
  let t: TestApp;
  let token = 0;
  const send = (sid: string, body: string, author?: string) => t.webhook(messageEvent({ ConversationSid: sid, Body: body, ...(author ? { Author: author } : {}) }), { idempotencyToken: `returns-${++token}` });
  const bodies = async (sid: string, n: number) => (await t.twilio.waitForMessages(n, { conversationSid: sid, timeoutMs: 20_000 })).map((m) => m.body!);

  /** The model: orders what the customer asks for, returns what they ask to return; otherwise repeats the tool's result. */
  const script = (req: ChatRequest) => {
    const result = lastTool(req);
    if (result !== undefined) return { content: `Tool said: ${result}` };
    const text = lastUser(req);
    const order = /^Order (\d+) (\S+)$/.exec(text);
    if (order) return { toolCalls: [{ name: 'create_order', arguments: { items: [{ sku: order[2]!, quantity: Number(order[1]) }] } }] };
    const ret = /^Return (\d+) of #(\d+) because (.+)$/.exec(text);
    if (ret) return { toolCalls: [{ name: 'request_return', arguments: { orderNumber: ret[2]!, reason: ret[3]!, items: [{ sku: 'TENT-1', quantity: Number(ret[1]) }] } }] };
    return { content: `Model saw: ${text}` };
  };

  /** Orders through the agent in a new conversation and pays on the sandbox page; returns the order number. */
  async function paidOrder(sid: string, quantity: number): Promise<string> {
    await send(sid, `Order ${quantity} TENT-1`);
    await bodies(sid, 1);
    await send(sid, 'yes');
    const sent = await bodies(sid, 3);
    const number = /#(\d+)/.exec(sent[1]!)![1]!;
    const reference = /\/pay\/(\S+)$/.exec(sent[2]!)![1]!;
    await fetch(`${t.url}/pay/${reference}`, { method: 'POST' });
    await bodies(sid, 4); // the receipt
    return number;
  }

  beforeAll(async () => {
    t = await startTestApp();
    await t.api('PUT', '/api/products', [{ sku: 'TENT-1', name: 'Two-person tent', price: { amount: 149, currency: 'EUR' }, stock: 10 }]);
    await t.api('PUT', '/api/settings', { returnWindowDays: 30, returnReasons: ['damaged', 'too small'] });
    t.openai.respond(script);
  });
  afterAll(() => t?.close());

  test('a return is confirmed by the customer, then approved, received and refunded by staff, each step told', async () => {
    const sid = newConversationSid();
    const number = await paidOrder(sid, 2);
    let n = (await bodies(sid, 4)).length;

    await send(sid, `Return 1 of #${number} because I got bored`);
    expect((await bodies(sid, ++n))[n - 1]).toBe('Tool said: {"error":"\\"I got bored\\" is not a return reason; ask which of these applies: damaged, too small"}');
    await send(sid, `Return 3 of #${number} because damaged`);
    expect((await bodies(sid, ++n))[n - 1]).toBe('Tool said: {"error":"Only 2 × Two-person tent can be returned from order ' + number + '"}');

    await send(sid, `Return 1 of #${number} because damaged`);
    expect((await bodies(sid, ++n))[n - 1]).toBe(`Please confirm your return request:\n• 1 × Two-person tent (TENT-1)\n#${number} · refund · damaged · 149.00 EUR\n\nReply YES to confirm or NO to cancel.`);
    expect(await t.db.query(`SELECT id FROM returns`)).toEqual([]);
    await send(sid, 'yes');
    expect((await bodies(sid, ++n))[n - 1]).toBe(`Return request for order #${number} received. We will tell you here when it is approved.`);
    const [ret] = (await (await t.api('GET', '/api/returns')).json()) as { id: string; status: string; amount: number }[];
    expect(ret).toMatchObject({ status: 'requested', amount: 14900 });

    const step = (status: string, note?: string) => t.api('POST', `/api/returns/${ret!.id}/status`, { status, ...(note ? { note } : {}) });
    expect((await step('refunded')).status).toBe(409); // not before it is approved and received
    expect((await step('approved')).status).toBe(201);
    expect((await bodies(sid, ++n))[n - 1]).toMatch(/^Your return for order #\d+ is approved\./);
    expect((await step('approved')).status).toBe(201); // a retried request changes nothing and tells nobody twice
    expect((await step('rejected')).status).toBe(409);
    expect((await step('received')).status).toBe(201);
    expect((await bodies(sid, ++n))[n - 1]).toBe(`We received the items you returned from order #${number}.`);
    const refunded = await step('refunded', 'Refunded to your card.');
    expect(await refunded.json()).toMatchObject({ status: 'refunded', history: [{ status: 'requested' }, { status: 'approved' }, { status: 'received' }, { status: 'refunded', note: 'Refunded to your card.' }] });
    expect((await bodies(sid, ++n))[n - 1]).toBe(`Your refund of 149.00 EUR for order #${number} has been issued.\nRefunded to your card.`);
    expect(await t.temporal.workflow.getHandle(returnWorkflowId(ret!.id)).result()).toBe('refunded');
    expect((await step('exchanged')).status).toBe(409);
    await recordHistory(t.temporal.workflow.getHandle(returnWorkflowId(ret!.id)), 'return-refunded.json');
  });

  test('outside the window, or another customer\'s order, is refused; under the auto-approve limit a return is approved at once', async () => {
    const sid = newConversationSid();
    const number = await paidOrder(sid, 1);
    let n = 4;
    const stranger = newConversationSid();
    await send(stranger, `Return 1 of #${number} because damaged`, 'whatsapp:+4917600000002');
    expect((await bodies(stranger, 1))[0]).toBe(`Tool said: {"error":"This customer has no order ${number}"}`);

    await t.db.query(`UPDATE orders SET paid_at = now() - interval '31 days' WHERE number = $1`, [number]);
    await send(sid, `Return 1 of #${number} because damaged`);
    expect((await bodies(sid, ++n))[n - 1]).toMatch(/outside the 30-day return window/);
    await t.db.query(`UPDATE orders SET paid_at = now() WHERE number = $1`, [number]);

    await t.api('PUT', '/api/settings', { returnWindowDays: 30, returnReasons: ['damaged', 'too small'], autoApproveReturnsUpTo: 200 });
    await send(sid, `Return 1 of #${number} because too small`);
    await bodies(sid, ++n);
    await send(sid, 'yes');
    const after = await bodies(sid, n + 2);
    expect(after.slice(n)).toEqual([
      `Return request for order #${number} received. We will tell you here when it is approved.`,
      `Your return for order #${number} is approved. Please send the items back; we will confirm when they arrive.`,
    ]);
    const [ret] = (await t.db.query(`SELECT r.id FROM returns r JOIN orders o ON o.id = r.order_id WHERE o.number = $1`, [number])) as { id: string }[];
    const status = await eventually(() => t.temporal.workflow.getHandle(returnWorkflowId(ret!.id)).query(returnStatusQuery), (s) => s === 'approved');
    expect(status).toBe('approved');
  });
});
