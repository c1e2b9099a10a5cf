import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { HttpEmulator, readBody, sendJson, type BaseFailure } from './http-emulator';

/** An injected Stripe failure; `message` defaults to the HTTP reason phrase. */
export interface StripeFailure extends BaseFailure {
  message?: string;
}

/** A Checkout Session as the API returns it (the fields this product reads, and a few more). */
export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  mode: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  url: string;
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  success_url: string;
  cancel_url: string | null;
  created: number;
  expires_at: number;
  livemode: false;
  payment_intent: string | null;
}

export interface LineItem {
  quantity: number;
  price_data: { currency: string; unit_amount: number; product_data: { name: string } };
}

/** A session created through the emulator, with what the API keeps apart from the session object. */
export interface EmulatedSession {
  session: CheckoutSession;
  lineItems: LineItem[];
  idempotencyKey: string | undefined;
}

const SESSIONS_PATH = '/v1/checkout/sessions';
const SESSION_PATH = /^\/v1\/checkout\/sessions\/([^/]+)$/;

/**
 * In-process Stripe API: Checkout Sessions created form-encoded as the official client sends them,
 * authenticated by the secret key, idempotent by `Idempotency-Key`. Injected failures answer before
 * the request reaches the endpoint, so (as at Stripe) nothing is stored under their idempotency key.
 */
export class StripeEmulator extends HttpEmulator<StripeFailure> {
  readonly sessions: EmulatedSession[] = [];
  private attempts = 0;
  private readonly byIdempotencyKey = new Map<string, { body: string; session: EmulatedSession }>();

  private constructor(readonly secretKey: string) {
    super();
  }

  static async start(opts: { secretKey?: string; port?: number } = {}): Promise<StripeEmulator> {
    const emulator = new StripeEmulator(opts.secretKey ?? `sk_test_${randomBytes(12).toString('hex')}`);
    await emulator.listen(opts.port);
    return emulator;
  }

  /** For STRIPE_API_BASE_URL. */
  get baseUrl(): string {
    return this.origin;
  }

  /** Session-create requests received, including failed and unauthenticated ones. */
  get createAttempts(): number {
    return this.attempts;
  }

  /** Forgets sessions, idempotency keys, attempts, failures and delay. */
  reset(): void {
    this.sessions.length = 0;
    this.byIdempotencyKey.clear();
    this.attempts = 0;
    this.clearFailures();
    this.setDelay(0);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.origin).pathname;
    const body = (await readBody(req)).toString('utf8');
    const creating = req.method === 'POST' && path === SESSIONS_PATH;
    if (creating) this.attempts++;
    await this.applyDelay();
    if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
      sendError(res, 401, { type: 'invalid_request_error', message: 'Invalid API Key provided' });
      return;
    }
    const failure = this.takeFailure(path);
    if (failure) {
      const { status, message = STATUS_CODES[status] ?? 'Error' } = failure;
      sendError(res, status, { type: status >= 500 ? 'api_error' : 'invalid_request_error', message }, failure.retryAfterSeconds);
      return;
    }
    const [, sessionId] = SESSION_PATH.exec(path) ?? [];
    if (creating) this.create(res, body, header(req, 'idempotency-key'));
    else if (req.method === 'GET' && sessionId) this.retrieve(res, sessionId);
    else sendError(res, 404, { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${path}).` });
  }

  private create(res: ServerResponse, body: string, idempotencyKey: string | undefined): void {
    const replay = idempotencyKey ? this.byIdempotencyKey.get(idempotencyKey) : undefined;
    if (replay && replay.body !== body) {
      const message = `Keys for idempotent requests can only be used with the same parameters they were first used with.`;
      sendError(res, 400, { type: 'idempotency_error', message });
      return;
    }
    if (replay) {
      sendJson(res, 200, replay.session.session);
      return;
    }
    const params = parseForm(body);
    const problem = invalidParam(params);
    if (problem) {
      sendError(res, 400, { type: 'invalid_request_error', message: `Invalid ${problem}`, param: problem });
      return;
    }
    const lineItems = params.line_items as LineItem[];
    const id = `cs_test_${randomBytes(24).toString('base64url')}`;
    const amount = lineItems.reduce((sum, item) => sum + item.price_data.unit_amount * item.quantity, 0);
    const created = Math.floor(Date.now() / 1000);
    const session: CheckoutSession = {
      id, object: 'checkout.session', mode: String(params.mode), status: 'open', payment_status: 'unpaid',
      url: `${this.origin}/c/pay/${id}`,
      amount_subtotal: amount, amount_total: amount, currency: lineItems[0]!.price_data.currency.toLowerCase(),
      client_reference_id: typeof params.client_reference_id === 'string' ? params.client_reference_id : null,
      metadata: (params.metadata ?? {}) as Record<string, string>,
      success_url: String(params.success_url), cancel_url: typeof params.cancel_url === 'string' ? params.cancel_url : null,
      created, expires_at: created + 24 * 3600, livemode: false, payment_intent: null,
    };
    const record = { session, lineItems, idempotencyKey };
    this.sessions.push(record);
    if (idempotencyKey) this.byIdempotencyKey.set(idempotencyKey, { body, session: record });
    sendJson(res, 200, session);
  }

  private retrieve(res: ServerResponse, id: string): void {
    const found = this.sessions.find((s) => s.session.id === id);
    if (found) sendJson(res, 200, found.session);
    else sendError(res, 404, { type: 'invalid_request_error', message: `No such checkout.session: '${id}'`, code: 'resource_missing', param: 'session' });
  }
}

/**
 * A `checkout.session.completed` event for the session, paid (or as `opts` say), and the
 * `Stripe-Signature` header Stripe would send with it for the endpoint's signing secret.
 */
export function signedEvent(
  session: CheckoutSession,
  secret: string,
  opts: { type?: string; paymentStatus?: CheckoutSession['payment_status'] } = {},
): { body: string; signature: string } {
  const object = { ...session, status: 'complete', payment_status: opts.paymentStatus ?? 'paid', payment_intent: `pi_${randomBytes(12).toString('hex')}` };
  const event = {
    id: `evt_${randomBytes(12).toString('hex')}`, object: 'event', type: opts.type ?? 'checkout.session.completed',
    created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null },
    data: { object },
  };
  const body = JSON.stringify(event);
  return { body, signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret }) };
}

/** The first problem of a session-create request, as Stripe names the parameter. */
function invalidParam(params: Record<string, unknown>): string | undefined {
  if (params.mode !== 'payment') return 'mode';
  if (typeof params.success_url !== 'string' || !/^https?:\/\//.test(params.success_url)) return 'success_url';
  const items = params.line_items;
  if (!Array.isArray(items) || items.length === 0) return 'line_items';
  const currencies = new Set<string>();
  for (const [i, raw] of items.entries()) {
    const item = raw as { quantity?: string; price_data?: { currency?: string; unit_amount?: string; product_data?: { name?: string } } };
    if (!/^[1-9]\d*$/.test(item.quantity ?? '')) return `line_items[${i}][quantity]`;
    if (!/^[a-z]{3}$/i.test(item.price_data?.currency ?? '')) return `line_items[${i}][price_data][currency]`;
    if (!/^\d+$/.test(item.price_data?.unit_amount ?? '')) return `line_items[${i}][price_data][unit_amount]`;
    if (!item.price_data?.product_data?.name) return `line_items[${i}][price_data][product_data][name]`;
    currencies.add(item.price_data.currency!.toLowerCase());
    // The form carries strings; the session reports numbers.
    Object.assign(item, { quantity: Number(item.quantity) });
    Object.assign(item.price_data, { unit_amount: Number(item.price_data.unit_amount) });
  }
  return currencies.size > 1 ? 'line_items (all prices must share one currency)' : undefined;
}

/** `a[b][0][c]=v` form fields (as the client encodes nested parameters) as nested objects and arrays. */
export function parseForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, i) => {
      const container = node as Record<string, unknown>;
      if (i === parts.length - 1) {
        container[part] = value;
        return;
      }
      container[part] ??= /^\d+$/.test(parts[i + 1]!) ? [] : {};
      node = container[part] as Record<string, unknown>;
    });
  }
  return root;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

interface StripeApiError {
  type: string;
  message: string;
  code?: string;
  param?: string;
}

/** Answers with Stripe's error shape `{ error: { type, message, code?, param? } }`. */
function sendError(res: ServerResponse, status: number, error: StripeApiError, retryAfterSeconds?: number): void {
  sendJson(res, status, { error }, retryAfterSeconds);
}
