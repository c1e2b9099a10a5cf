import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { ChatRequest } from './emulators/openai-emulator';
import { signedEvent, StripeEmulator } from './emulators/stripe-emulator';
import { StripePayments } from '../src/payments/stripe-payments';
import type { Order } from '../src/orders/orders.service';
import { orderWorkflowId } from '../workflows/skill-definitions';
import { messageEvent, newConversationSid, PUBLIC_BASE_URL, startTestApp, type TestApp } from './support/test-app';

const PRODUCTS = [
  { sku: 'SHOE-1', name: 'Trail running shoe', price: { amount: 59.9, currency: 'EUR' }, stock: 50 },
  { sku: 'SOCK-2', name: 'Merino socks', price: { amount: 12.5, currency: 'EUR' }, stock: 50 },
];
const WEBHOOK_SECRET = `whsec_${randomBytes(16).toString('hex')}`;

const lastUser = (req: ChatRequest) => String([...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '');
const lastTool = (req: ChatRequest) => (req.messages[req.messages.length - 1]?.role === 'tool' ? String(req.messages[req.messages.length - 1]!.content) : undefined);

/**
 * Stripe as the payment provider, end to end: the order workflow's payment link is a Checkout
 * Session created on the Stripe emulator, and Stripe's signed webhook confirms the payment.
 * Everything but Stripe, Twilio and the model is real.
 */
describe('Stripe payments', () => {
  let t: TestApp;
  let stripe: StripeEmulator;
  let token = 0;

  const send = (sid: string, body: string) => t.webhook(messageEvent({ ConversationSid: sid, Body: body }), { idempotencyToken: `stripe-${++token}` });
  const deliver = (body: string, signature: string | null) =>
    fetch(`${t.url}/api/payments/stripe/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature !== null && { 'stripe-signature': signature }) }, body });
  const orderStatus = async (number: string) => ((await (await t.api('GET', `/api/orders/${number}`)).json()) as Order).status;

  /** The customer orders 2 shoes and 1 pair of socks and says YES; resolves with the order number and the payment link message. */
  async function order(sid: string): Promise<{ number: string; link: string }> {
    t.openai.respond((req) => {
      if (lastTool(req) !== undefined) return { content: 'The summary is the reply.' };
      if (/shoes/.test(lastUser(req))) return { toolCalls: [{ name: 'create_order', arguments: { items: [{ sku: 'SHOE-1', quantity: 2 }, { sku: 'SOCK-2', quantity: 1 }] } }] };
      return { content: `Model saw: ${lastUser(req)}` };
    });
    await send(sid, 'Two pairs of the trail shoes and merino socks, please');
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    await send(sid, 'yes');
    const messages = await t.twilio.waitForMessages(3, { conversationSid: sid, timeoutMs: 20_000 });
    const number = /^Order #(\d+) is placed/.exec(messages[1]!.body!)![1]!;
    return { number, link: messages[2]!.body! };
  }

  beforeAll(async () => {
    stripe = await StripeEmulator.start();
    t = await startTestApp({ env: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_BASE_URL: stripe.baseUrl } });
    expect((await t.api('PUT', '/api/products', PRODUCTS)).status).toBe(200);
  });
  afterEach(() => {
    t.openai.reset();
    stripe.reset();
  });
  afterAll(async () => {
    await t?.close();
    await stripe?.close();
  });

  test('the payment link is a Checkout Session priced from the catalogue; only a correctly signed webhook pays the order, once', async () => {
    const sid = newConversationSid();
    const { number, link } = await order(sid);
    expect(stripe.sessions).toHaveLength(1);
    const [{ session, lineItems, idempotencyKey }] = stripe.sessions as [(typeof stripe.sessions)[0]];
    expect(link).toBe(`To pay order #${number} (132.30 EUR), open: ${session.url}`);
    expect(session.url).toMatch(new RegExp(`^${stripe.baseUrl}/c/pay/cs_test_`));
    expect(lineItems).toEqual([
      { quantity: 2, price_data: { currency: 'eur', unit_amount: 5990, product_data: { name: 'Trail running shoe' } } },
      { quantity: 1, price_data: { currency: 'eur', unit_amount: 1250, product_data: { name: 'Merino socks' } } },
    ]);
    const [row] = await t.db.query(`SELECT id, payment_provider, payment_reference FROM orders WHERE number = $1`, [number]);
    expect(session).toMatchObject({ amount_total: 13230, currency: 'eur', payment_status: 'unpaid', client_reference_id: row.id, metadata: { order_number: number } });
    expect([session.success_url, session.cancel_url]).toEqual([`${PUBLIC_BASE_URL}/pay/stripe/paid`, `${PUBLIC_BASE_URL}/pay/stripe/cancelled`]);
    expect(await (await fetch(`${t.url}/pay/stripe/paid`)).text()).toContain('The confirmation follows on WhatsApp');
    expect(await (await fetch(`${t.url}/pay/stripe/cancelled`)).text()).toContain('Nothing was charged');
    expect(idempotencyKey).toContain(row.id);
    expect(row).toMatchObject({ payment_provider: 'stripe', payment_reference: session.id });

    // Forged, missing or wrongly keyed signatures are refused and change nothing.
    const paid = signedEvent(session, WEBHOOK_SECRET);
    const forged = signedEvent(session, 'whsec_not-the-secret');
    for (const [body, signature] of [[paid.body, forged.signature], [paid.body, null], [paid.body.replace('13230', '1'), paid.signature], [paid.body, 't=1,v1=00']] as const) {
      const res = await deliver(body, signature);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_signature' });
    }
    // The sandbox pay page does not settle a Stripe order, though its session id is in the Checkout URL.
    expect(await (await fetch(`${t.url}/pay/${session.id}`, { method: 'POST' })).text()).toContain('does not exist');
    expect(await orderStatus(number)).toBe('awaiting_payment');
    expect(t.twilio.messagesFor(sid)).toHaveLength(3);

    // Stripe delivers at least once: the same event twice, and again after the order's workflow finished.
    expect((await deliver(paid.body, paid.signature)).status).toBe(200);
    expect((await deliver(paid.body, paid.signature)).status).toBe(200);
    const messages = await t.twilio.waitForMessages(4, { conversationSid: sid, timeoutMs: 20_000 });
    expect(messages[3]!.body).toBe(`Payment received, thank you! Receipt for order #${number}:\n• 2 × Trail running shoe (SHOE-1): 119.80 EUR\n• 1 × Merino socks (SOCK-2): 12.50 EUR\nTotal: 132.30 EUR`);
    expect(await t.temporal.workflow.getHandle(orderWorkflowId(number)).result()).toBe('paid');
    const late = await deliver(paid.body, paid.signature);
    expect(late.status).toBe(200);
    expect(await late.json()).toEqual({ received: true });
    expect(await orderStatus(number)).toBe('paid');
    expect(t.twilio.messagesFor(sid).filter((m) => m.body?.startsWith('Payment received'))).toHaveLength(1);
    expect(t.twilio.messagesFor(sid)).toHaveLength(4);
  });

  test('a failed session creation is retried by the activity: one session, one link', async () => {
    stripe.failNext(1, { status: 500, path: /^\/v1\/checkout\/sessions$/ });
    const sid = newConversationSid();
    const { number, link } = await order(sid);
    expect(stripe.createAttempts).toBe(2);
    expect(stripe.sessions).toHaveLength(1);
    expect(link).toBe(`To pay order #${number} (132.30 EUR), open: ${stripe.sessions[0]!.session.url}`);
    expect(t.twilio.messagesFor(sid).filter((m) => m.body?.startsWith('To pay'))).toHaveLength(1);
  });

  test('other events, unpaid completions and unknown sessions are acknowledged and change nothing', async () => {
    const sid = newConversationSid();
    const { number } = await order(sid);
    const { session } = stripe.sessions[0]!;
    const unknown = { ...session, id: 'cs_test_unknown' };
    for (const event of [
      signedEvent(session, WEBHOOK_SECRET, { type: 'checkout.session.expired' }),
      signedEvent(session, WEBHOOK_SECRET, { paymentStatus: 'unpaid' }),
      signedEvent(unknown, WEBHOOK_SECRET),
    ]) {
      const res = await deliver(event.body, event.signature);
      expect(res.status).toBe(200);
    }
    expect(await orderStatus(number)).toBe('awaiting_payment');
    expect(t.twilio.messagesFor(sid)).toHaveLength(3);
  });

  test('the emulator refuses a wrong secret key, and the client reports it', async () => {
    const payments = new StripePayments({ secretKey: 'sk_test_wrong', apiBaseUrl: stripe.baseUrl, publicBaseUrl: PUBLIC_BASE_URL });
    const order = { id: 'o-1', number: '1', currency: 'EUR', total: 100, lines: [{ sku: 'X', name: 'X', quantity: 1, unitAmount: 100, lineAmount: 100 }] } as Order;
    await expect(payments.createLink(order)).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(stripe.sessions).toHaveLength(0);
  });
});
