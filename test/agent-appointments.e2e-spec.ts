import { WorkflowNotFoundError } from '@temporalio/client';
import { slotStarts, toLocal } from '../src/appointments/slots';
import { appointmentWorkflowId } from '../workflows/skill-definitions';
import { askToConfirm } from '../workflows/confirmation';
import { eventually } from './support/eventually';
import type { ChatRequest } from './emulators/openai-emulator';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

const MADRID = 'Europe/Madrid';
const HOURS = Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, ['10:00-13:00']]));
const lastTool = (req: ChatRequest) => {
  const last = req.messages[req.messages.length - 1];
  return last?.role === 'tool' ? String(last.content) : undefined;
};
const lastUser = (req: ChatRequest) => String([...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '');

/**
 * Booking, moving and cancelling an appointment through the agent, end to end: each change waits for
 * the customer's YES, the appointment workflow is started, moved and ended by them, and times are
 * shown in the service's time zone.
 */
describe('agent appointments', () => {
  let t: TestApp;
  let token = 0;
  const send = (sid: string, body: string) => t.webhook(messageEvent({ ConversationSid: sid, Body: body }), { idempotencyToken: `appointments-${++token}` });
  const day = (daysAhead: number) => toLocal(Date.now() + daysAhead * 86_400_000, MADRID).slice(0, 10);
  const slot = (daysAhead: number, index: number) => toLocal(slotStarts({ durationMinutes: 30, timeZone: MADRID, hours: HOURS }, day(daysAhead), 1)[index]!, MADRID);

  beforeAll(async () => {
    t = await startTestApp();
    const services = [{ id: 'haircut', name: 'Haircut', durationMinutes: 30, timeZone: MADRID, hours: HOURS }];
    expect((await t.api('PUT', '/api/services', services)).status).toBe(200);
  });
  afterAll(() => t?.close());

  test('find slots, book after YES, move after YES, cancel after YES', async () => {
    const sid = newConversationSid();
    const first = slot(2, 0);
    const moved = slot(3, 2);
    t.openai.respond((req) => {
      const result = lastTool(req);
      if (result !== undefined) return { content: `Tool said: ${result}` };
      const text = lastUser(req);
      if (text.startsWith('When')) return { toolCalls: [{ name: 'find_appointment_slots', arguments: { serviceId: 'haircut', date: day(2), days: 1 } }] };
      if (text.startsWith('Book')) return { toolCalls: [{ name: 'book_appointment', arguments: { serviceId: 'haircut', startsAt: first } }] };
      if (text.startsWith('Move')) return { toolCalls: [{ name: 'reschedule_appointment', arguments: { startsAt: moved } }] };
      if (text.startsWith('Cancel')) return { toolCalls: [{ name: 'cancel_appointment', arguments: {} }] };
      return { content: `Model saw: ${text}` };
    });
    const replies = async (n: number) => (await t.twilio.waitForMessages(n, { conversationSid: sid, timeoutMs: 20_000 })).map((m) => m.body!);

    await send(sid, 'When can I get a haircut?');
    const found = JSON.parse((await replies(1))[0]!.slice('Tool said: '.length)) as { slots: { startsAt: string; when: string }[] };
    expect(found.slots.map((s) => s.startsAt)).toEqual([0, 1, 2, 3, 4, 5].map((i) => slot(2, i)));
    expect(found.slots[0]!.when).toMatch(/10:00 \(Europe\/Madrid\)$/);

    await send(sid, 'Book the first one');
    expect((await replies(2))[1]).toMatch(new RegExp(`^Please confirm your booking: Haircut on .*10:00 \\(Europe/Madrid\\)\\.\\n\\n${askToConfirm('en')}$`));
    expect(await t.db.query(`SELECT id FROM appointments`)).toEqual([]);
    await send(sid, 'yes');
    expect((await replies(3))[2]).toMatch(/^Booked: Haircut on .*10:00 \(Europe\/Madrid\)\. You will get a reminder/);
    const [booking] = (await t.db.query(`SELECT id, status, starts_at FROM appointments`)) as { id: string; status: string; starts_at: Date }[];
    expect(booking!.status).toBe('booked');
    const handle = t.temporal.workflow.getHandle(appointmentWorkflowId(booking!.id));
    expect((await handle.describe()).status.name).toBe('RUNNING');

    await send(sid, 'Move it please');
    expect((await replies(4))[3]).toMatch(/^Please confirm the change: Haircut moves from .*10:00 \(Europe\/Madrid\) to .*11:00 \(Europe\/Madrid\)\./);
    await send(sid, 'ok');
    expect((await replies(5))[4]).toMatch(/^Done: Haircut is now on .*11:00 \(Europe\/Madrid\)\.$/);
    const [after] = (await t.db.query(`SELECT starts_at FROM appointments WHERE id = $1`, [booking!.id])) as { starts_at: Date }[];
    expect(toLocal(new Date(after!.starts_at).getTime(), MADRID)).toBe(moved);

    await send(sid, 'Cancel my appointment');
    expect((await replies(6))[5]).toMatch(/^Please confirm you want to cancel: Haircut on .*11:00/);
    await send(sid, 'sí');
    expect((await replies(7))[6]).toMatch(/^Cancelled: Haircut on/);
    expect(await t.db.query(`SELECT status FROM appointments WHERE id = $1`, [booking!.id])).toEqual([{ status: 'cancelled' }]);
    const ended = await eventually(() => handle.describe().then((d) => d.status.name).catch((e) => (e instanceof WorkflowNotFoundError ? 'GONE' : 'ERR')), (s) => s !== 'RUNNING');
    expect(ended).toBe('COMPLETED');
    expect(await handle.result()).toBe('cancelled');

    const listed = (await (await t.api('GET', '/api/appointments')).json()) as { id: string; localStart: string; status: string }[];
    expect(listed).toEqual([expect.objectContaining({ id: booking!.id, localStart: moved, status: 'cancelled' })]);
  });

  test("a customer cannot cancel another customer's appointment", async () => {
    const [other] = (await t.db.query(`SELECT id FROM appointments LIMIT 1`)) as { id: string }[];
    const sid = newConversationSid();
    t.openai.respond((req) => (lastTool(req) === undefined ? { toolCalls: [{ name: 'cancel_appointment', arguments: { appointmentId: other!.id } }] } : { content: `Tool said: ${lastTool(req)}` }));
    await t.webhook(messageEvent({ ConversationSid: sid, Body: 'Cancel that appointment', Author: 'whatsapp:+4917600000001' }), { idempotencyToken: `appointments-${++token}` });
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toBe(`Tool said: {"error":"This customer has no upcoming appointment ${other!.id}"}`);
  });
});
