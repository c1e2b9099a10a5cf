import { dedupeKey, readMessageEvent } from './webhook-event';

const event = { EventType: 'onMessageAdd', AccountSid: `AC${'1'.repeat(32)}`, ConversationSid: `CH${'2'.repeat(32)}`, Author: 'whatsapp:+14155550100', Body: 'hi' };

describe('webhook events', () => {
  test('the dedupe key prefers the idempotency token, then the MessageSid, then a hash of the fields', () => {
    expect(dedupeKey({ ...event, MessageSid: 'IM1' }, 'tok')).toBe('token:tok');
    expect(dedupeKey({ ...event, MessageSid: 'IM1' }, undefined)).toBe('message:IM1');
    const hashed = dedupeKey(event, undefined);
    expect(hashed).toMatch(/^hash:[0-9a-f]{64}$/);
    expect(dedupeKey({ ...event, RetryCount: '2' }, undefined)).toBe(hashed);
    expect(dedupeKey({ ...event, Body: 'hi again' }, undefined)).not.toBe(hashed);
  });

  test('a message event is read with its media; one without a valid ConversationSid or Author is ignored', () => {
    const read = readMessageEvent({ ...event, Media: '[{"Sid":"ME1","ContentType":"image/jpeg"}]' }, undefined, new Date('2026-01-01T00:00:00Z'));
    expect(read).toEqual({
      accepted: {
        eventType: 'onMessageAdd',
        conversationSid: event.ConversationSid,
        message: expect.objectContaining({ body: 'hi', author: event.Author, media: [{ Sid: 'ME1', ContentType: 'image/jpeg' }], receivedAt: '2026-01-01T00:00:00.000Z' }),
      },
    });
    expect(readMessageEvent({ ...event, ConversationSid: 'CH..' }, undefined, new Date())).toEqual({ ignored: 'missing or malformed ConversationSid' });
    expect(readMessageEvent({ ...event, Author: undefined }, undefined, new Date())).toEqual({ ignored: 'missing Author' });
  });
});
