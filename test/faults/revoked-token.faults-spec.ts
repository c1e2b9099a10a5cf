import { ACCOUNT_SID, messageEvent, newConversationSid, startTestApp, type TestApp } from '../support/test-app';
import { eventually } from '../support/eventually';
import { repliesOf, report, sendAll, waitForReplies } from './support';

/**
 * Twilio revokes the agent's token while 30 conversations are being answered. At most one send per
 * waiting conversation may fail before the integration pauses; one alert; everything goes out,
 * once, in order, after an administrator rotates the token and resumes.
 */
describe('revoked Twilio token', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  test('30 conversations wait through the pause and are all answered after resume', async () => {
    const conversations = Array.from({ length: 30 }, () => newConversationSid());
    const say = (body: string) => sendAll(conversations, 10, async (sid, i) => (await t.webhook(messageEvent({ ConversationSid: sid, Body: `${body} ${i}` }), { idempotencyToken: `${body}-${i}` })).status);
    const started = Date.now();
    t.twilio.setAuthToken(ACCOUNT_SID, 'token-rotated-by-the-owner-01');
    await say('one');
    await eventually(async () => ((await (await t.api('GET', `/api/integrations/${t.integrationId}`)).json()) as { status: string }).status, (s) => s === 'paused');
    await say('two'); // still accepted while paused; queued behind the waiting turns

    const rejected = () => t.twilio.requests.filter((r) => r.status === 401).length;
    const rejectedBeforeResume = rejected();
    expect((await t.api('PATCH', `/api/integrations/${t.integrationId}`, { authToken: 'token-rotated-by-the-owner-01' })).status).toBe(200);
    const resumed = (await (await t.api('POST', `/api/integrations/${t.integrationId}/resume`)).json()) as { wokenTurns: number };
    await waitForReplies(t, conversations, 2, 120_000);

    const alerts = ((await (await t.api('GET', '/api/alerts')).json()) as { kind: string }[]).filter((a) => a.kind === 'twilio_auth_failed');
    const inOrder = conversations.every((sid, i) => repliesOf(t, sid).map((m) => m.body).join('|') === `Echo: one ${i}|Echo: two ${i}`);
    const replies = conversations.map((sid) => repliesOf(t, sid).length);
    report('revoked-token', {
      conversations: 30,
      failedSendsBeforePause: rejectedBeforeResume,
      alerts: alerts.length,
      wokenTurns: resumed.wokenTurns,
      replies: replies.reduce((a, b) => a + b, 0),
      lost: replies.reduce((s, n) => s + Math.max(0, 2 - n), 0),
      duplicates: replies.reduce((s, n) => s + Math.max(0, n - 2), 0),
      inOrder: String(inOrder),
      seconds: Math.round((Date.now() - started) / 1000),
    });
    expect(rejectedBeforeResume).toBeGreaterThanOrEqual(1);
    expect(rejectedBeforeResume).toBeLessThanOrEqual(conversations.length);
    expect(rejected()).toBe(rejectedBeforeResume);
    expect(alerts).toHaveLength(1);
    expect(replies.every((n) => n === 2)).toBe(true);
    expect(inOrder).toBe(true);
  });
});
