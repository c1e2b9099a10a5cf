import { askToConfirm } from '../workflows/confirmation';
import { handoffNotice } from '../workflows/replies';
import { conversationWorkflowId } from '../workflows/definitions';
import { eventually } from './support/eventually';
import { recordHistory } from './support/record-history';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

const HOURS = Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, ['09:00-18:00']]));

/**
 * Without a language model, menu mode reaches every skill through the same tools: knowledge with
 * its source, products, ordering with the same confirmation and order workflow, appointments, order
 * status and a person. Arguments are asked one at a time and checked by the tools' schemas.
 */
describe('menu mode (no language model)', () => {
  let t: TestApp;
  let token = 0;
  const sid = newConversationSid();
  let seen = 0;
  /** Sends a message and returns the replies it brought (at least `expect` of them). */
  const say = async (body: string, expected = 1) => {
    await t.webhook(messageEvent({ ConversationSid: sid, Body: body }), { idempotencyToken: `menu-${++token}` });
    const all = await t.twilio.waitForMessages(seen + expected, { conversationSid: sid, timeoutMs: 20_000 });
    const fresh = all.slice(seen).map((m) => m.body!);
    seen = all.length;
    return fresh;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { OPENAI_API_KEY: '' } });
    await t.api('POST', '/api/knowledge', { title: 'FAQ', content: '# Opening hours\n\nWe are open Monday to Saturday. On Sundays the shop is closed.', locale: 'en' });
    await t.api('PUT', '/api/products', [
      { sku: 'SHOE-1', name: 'Trail shoe', price: { amount: 59.9, currency: 'EUR' }, stock: 5 },
      { sku: 'SOCK-2', name: 'Merino socks', price: { amount: 12.5, currency: 'EUR' }, stock: 40 },
    ]);
    await t.api('PUT', '/api/services', [{ id: 'fitting', name: 'Shoe fitting', durationMinutes: 30, timeZone: 'Europe/Madrid', hours: HOURS }]);
  });
  afterAll(() => t?.close());

  test('a customer reaches every skill from the menu', async () => {
    const [menu] = await say('hi');
    expect(menu).toMatch(/^Automatic assistant \(menu mode: no AI model is connected\)\. Reply with a number:\n1\. Ask a question\n2\. Products and prices\n3\. My orders\n4\. Place an order\n5\. Return an order\n6\. Appointments\n7\. Talk to a person$/);

    expect(await say('Are you open on Sunday?')).toEqual(['We are open Monday to Saturday. On Sundays the shop is closed.\n\n(Source: FAQ › Opening hours)\n\nReply MENU for the options.']);

    expect(await say('2')).toEqual(['What are you looking for? Send a name or a SKU.']);
    expect(await say('socks')).toEqual(['• Merino socks (SOCK-2): 12.50 EUR · 40\n\nReply MENU for the options.']);

    expect(await say('4')).toEqual(['What are you looking for? Send a name or a SKU.']);
    expect(await say('trail shoe')).toEqual(['How many × Trail shoe?']);
    const [invalid] = await say('lots');
    expect(invalid).toMatch(/^Sorry, that is not valid: items\.0\.quantity: /);
    expect(await say('2')).toEqual([`Please confirm your order:\n• 2 × Trail shoe (SHOE-1): 119.80 EUR\nTotal: 119.80 EUR\n\n${askToConfirm('en')}`]);
    const placed = await say('yes', 2);
    expect(placed[0]).toMatch(/^Order #\d+ is placed \(total 119\.80 EUR\)/);
    expect(placed[1]).toMatch(/^To pay order #\d+ \(119\.80 EUR\), open: https:\/\/agent\.example\.test\/pay\//);
    const number = /#(\d+)/.exec(placed[0]!)![1]!;

    expect((await say('3'))[0]).toMatch(new RegExp(`^• #${number}: waiting for payment, 119\\.80 EUR \\(2 × Trail shoe\\)\\n  https://`));

    const [services] = await say('6');
    expect(services).toBe('Which one? Reply with a number:\n1. Book: Shoe fitting');
    const [slots] = await say('1');
    expect(slots).toMatch(/^Free times \(reply with a number\):\n1\. .+\(Europe\/Madrid\)\n2\. /);
    const [summary] = await say('1');
    expect(summary).toMatch(/^Please confirm your booking: Shoe fitting on .*\(Europe\/Madrid\)\.\n\nReply YES/);
    expect((await say('yes'))[0]).toMatch(/^Booked: Shoe fitting on /);

    const [manage] = await say('6');
    expect(manage).toMatch(/^Which one\? Reply with a number:\n1\. Book: Shoe fitting\n2\. Move: Shoe fitting, .*\n3\. Cancel: Shoe fitting, /);
    expect((await say('9'))[0]).toMatch(/^Please reply with one of the numbers\./);
    expect((await say('3'))[0]).toMatch(/^Please confirm you want to cancel: Shoe fitting on /);
    expect((await say('no'))[0]).toBe('Cancelled: nothing was done.');
    expect(await t.db.query(`SELECT status FROM appointments`)).toEqual([{ status: 'booked' }]);

    expect(await say('7')).toEqual([handoffNotice('en')]);
    const conversation = await eventually(async () => (await (await t.api('GET', `/api/conversations/${sid}`)).json()) as { status: string }, (c) => c.status !== 'bot');
    expect(conversation.status).toBe('waiting_for_human');
    expect(t.openai.requests).toEqual([]); // no model was ever asked
    await recordHistory(t.temporal.workflow.getHandle(conversationWorkflowId(t.integrationId, sid)), 'conversation-menu.json');
  });
});
