import { REDACTED, redactFields, redactText } from './redact';

const TWILIO_TOKEN = '0123456789abcdef0123456789abcdef';
const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;

describe('log redaction', () => {
  test.each([
    ['a Twilio auth token beside its Account SID', `Twilio ${ACCOUNT_SID} ${TWILIO_TOKEN} rejected`, TWILIO_TOKEN],
    ['basic auth as Twilio sends it', `Authorization: Basic ${Buffer.from(`${ACCOUNT_SID}:${TWILIO_TOKEN}`).toString('base64')}`, 'QUMx'],
    ['a bearer header', 'GET /api/customers with Authorization: Bearer test-admin-key-0123456789', 'test-admin-key'],
    ['an API key of this product', 'key wa_admin_Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4 created', 'wa_admin_Zm9v'],
    ['an OpenAI key', 'calling with sk-proj-abcdefghijklmnop1234', 'sk-proj-abcdefghijklmnop'],
    ['a Stripe secret key', 'stripe sk_live_51Habcdefghijklmno', 'sk_live_51H'],
    ['a Stripe webhook secret', 'secret whsec_abcDEF1234567890', 'whsec_abcDEF'],
    ['a name=value secret', 'connect authToken=token-current-0123456789&x=1', 'token-current'],
    ['a JSON secret', '{"apiKey":"not-a-known-shape-at-all"}', 'not-a-known-shape'],
    ['credentials in a URL', 'fetch https://shop:hunter2hunter2@api.example.com/orders', 'hunter2'],
    ['a 64-hex key', `key ${'ab'.repeat(32)}`, 'abab'],
  ])('%s', (_what, text, secret) => {
    const redacted = redactText(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain(REDACTED);
  });

  test('a card number keeps only its last four digits, as in customers’ messages', () => {
    expect(redactText('paid with 4242 4242 4242 4242 today')).toBe('paid with [card •••• 4242] today');
  });

  test('identifiers stay: Twilio SIDs, UUIDs, workflow ids, counts', () => {
    const text = `conversation:${'1'.repeat(8)}-1111-4111-8111-${'1'.repeat(12)}:CH${'c3'.repeat(16)} turn 3 of ${ACCOUNT_SID}, 1500 tokens`;
    expect(redactText(text)).toBe(text);
  });

  test('fields: secret names are redacted whatever their value, bodies keep only their length', () => {
    const fields = {
      authToken: 'x',
      previousAuthTokenEncrypted: 'v1:abc',
      headers: { authorization: 'Bearer abc', 'x-twilio-signature': 'sig' },
      body: 'my address is Calle Mayor 1',
      messages: ['hello', 'there'],
      conversationSid: `CH${'c3'.repeat(16)}`,
      error: new Error(`Twilio said no to ${TWILIO_TOKEN}`),
      attempt: 2,
    };
    const redacted = redactFields(fields, false) as Record<string, unknown>;
    expect(redacted).toMatchObject({
      authToken: REDACTED,
      previousAuthTokenEncrypted: REDACTED,
      headers: { authorization: REDACTED, 'x-twilio-signature': REDACTED },
      body: '[redacted 27 chars]',
      messages: '[redacted 2 items]',
      conversationSid: fields.conversationSid,
      error: { name: 'Error', message: `Twilio said no to ${REDACTED}` },
      attempt: 2,
    });
    expect(JSON.stringify(redacted)).not.toContain('Calle Mayor');
  });

  test('LOG_MESSAGE_BODIES=true keeps bodies, but never secrets in them', () => {
    const redacted = redactFields({ body: `my token is ${TWILIO_TOKEN}`, text: 'hello' }, true);
    expect(redacted).toEqual({ body: `my token is ${REDACTED}`, text: 'hello' });
  });

  test('a cycle is cut, not followed forever', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactFields(a, false)).toEqual({ name: 'a', self: '[…]' });
  });
});
