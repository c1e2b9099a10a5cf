import twilio from 'twilio';
import { ACCOUNT_SID, AUTH_TOKEN, messageEvent, newConversationSid, PUBLIC_BASE_URL, startTestApp, type TestApp } from '../support/test-app';
import { report, sendAll } from './support';

const TOTAL = 10_000;

/**
 * 10,000 malformed or hostile requests at the webhook: bad and missing signatures, broken encodings,
 * huge bodies, unknown events, missing fields, wrong content types. No crash, no 5xx, only 413 for
 * the huge ones, and nothing reaches Temporal.
 */
describe('hostile webhook traffic', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ roles: { api: true, worker: false } });
  });
  afterAll(() => t?.close());

  test(`${TOTAL} malformed or hostile requests: no 5xx, nothing started`, async () => {
    const url = `${t.url}/api/twilio/webhook`;
    const signed = (params: Record<string, string>) => twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_BASE_URL}/api/twilio/webhook`, params);
    const form = 'application/x-www-form-urlencoded';
    const huge = 'Body=' + 'A'.repeat(300 * 1024);
    const kinds: Array<(i: number) => { body: string | Uint8Array; headers: Record<string, string>; expect: number[] }> = [
      (i) => ({ body: new URLSearchParams(messageEvent({ ConversationSid: newConversationSid(), Body: `bad ${i}` })).toString(), headers: { 'content-type': form, 'x-twilio-signature': 'AAAA' + i }, expect: [403] }),
      (i) => ({ body: new URLSearchParams(messageEvent({ ConversationSid: newConversationSid(), Body: `unsigned ${i}` })).toString(), headers: { 'content-type': form }, expect: [403] }),
      () => ({ body: '%E0%A4%A=%%%&AccountSid=%ZZ', headers: { 'content-type': form, 'x-twilio-signature': 'x' }, expect: [400, 403] }),
      () => ({ body: new Uint8Array([0xff, 0xfe, 0xfd, 0x00, 0x3d]), headers: { 'content-type': `${form}; charset=utf-7` }, expect: [400, 415] }),
      (i) => {
        const params = { EventType: 'onParticipantAdded', AccountSid: ACCOUNT_SID, ConversationSid: newConversationSid(), Attempt: String(i) };
        return { body: new URLSearchParams(params).toString(), headers: { 'content-type': form, 'x-twilio-signature': signed(params) }, expect: [200] };
      },
      (i) => {
        const params = { EventType: 'onMessageAdd', AccountSid: ACCOUNT_SID, Body: `no conversation ${i}` };
        return { body: new URLSearchParams(params).toString(), headers: { 'content-type': form, 'x-twilio-signature': signed(params) }, expect: [200] };
      },
      () => ({ body: '{"EventType": "onMessageAdd", "AccountSid": [1,2', headers: { 'content-type': 'application/json' }, expect: [400] }),
      (i) => ({ body: `EventType=onMessageAdd&AccountSid=${ACCOUNT_SID}&Body=${i}\u0000\u202e`, headers: { 'content-type': 'text/plain' }, expect: [403] }),
      () => ({ body: 'AccountSid[]=x&AccountSid[$gt]=&__proto__[polluted]=1&constructor[prototype][x]=1', headers: { 'content-type': form, 'x-twilio-signature': 'x' }, expect: [403] }),
    ];

    const inboxBefore = (await t.db.query(`SELECT count(*)::int AS n FROM inbox_events`))[0].n;
    const started = Date.now();
    const statuses = await sendAll(Array.from({ length: TOTAL }, (_, i) => i), 20, async (i) => {
      // Every 50th request is a 300 KB body, over the 256 KB limit.
      const request = i % 50 === 0 ? { body: huge, headers: { 'content-type': form }, expect: [413] } : kinds[i % kinds.length]!(i);
      const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
      await response.arrayBuffer();
      if (!request.expect.includes(response.status)) throw new Error(`request ${i}: expected ${request.expect.join('/')}, got ${response.status}`);
      return response.status;
    });

    const byStatus = statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
    const inboxAfter = (await t.db.query(`SELECT count(*)::int AS n FROM inbox_events`))[0].n;
    const workflows = [];
    for await (const w of t.temporal.workflow.list({ query: `IntegrationId = "${t.integrationId}"` })) workflows.push(w);
    report('hostile-webhooks', { requests: TOTAL, ...Object.fromEntries(Object.entries(byStatus).map(([s, n]) => [`status${s}`, n])), inboxRowsCreated: inboxAfter - inboxBefore, workflowsStarted: workflows.length, seconds: Math.round((Date.now() - started) / 1000) });

    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(inboxAfter - inboxBefore).toBe(0);
    expect(workflows).toEqual([]);
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
