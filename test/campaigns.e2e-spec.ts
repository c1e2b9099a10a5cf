import type { ChatRequest } from './emulators/openai-emulator';
import { maxPerSecond } from './faults/support';
import { IN_FLIGHT } from '../workflows/campaign.workflow';
import { seedCustomers, type SeededCustomer } from './support/crm-seed';
import { eventually } from './support/eventually';
import { recordHistory } from './support/record-history';
import { messageEvent, startTestApp, type TestApp } from './support/test-app';

const SENDS_PER_SECOND = 8;
const CONTENT_SID = `HX${'c'.repeat(32)}`;
const systemOf = (req: ChatRequest) => String(req.messages.find((m) => m.role === 'system')?.content ?? '');

type Figures = { recipients: number; queued: number; sent: number; failed: number; optedOut: number; notOptedIn: number; cancelled: number; replied: number };
type CampaignView = { id: string; status: string; workflowId: string; figures: Figures };

/**
 * Campaigns on real Temporal and a real database, Twilio emulated: only opted-in members of the
 * segment get the template, each once, with variables from their profile, at the configured rate;
 * pause, an opt-out while paused, resume and cancel behave; a reply reaches the agent with the campaign.
 */
describe('campaigns', () => {
  let t: TestApp;
  let token = 0;

  const json = async <T>(res: Promise<Response>, status = 200): Promise<T> => {
    const r = await res;
    const body = (await r.json()) as T;
    if (r.status !== status) throw new Error(`Expected ${status}, got ${r.status}: ${JSON.stringify(body)}`);
    return body;
  };
  const campaign = (id: string) => json<CampaignView>(t.api('GET', `/api/campaigns/${id}`));
  const until = (id: string, done: (c: CampaignView) => boolean, timeoutMs = 30_000) => eventually(() => campaign(id), done, timeoutMs);
  const templatesTo = (c: SeededCustomer) => t.twilio.messages.filter((m) => m.conversationSid === c.conversationSid && m.contentSid === CONTENT_SID);

  async function newCampaign(tag: string, name: string): Promise<string> {
    const segment = await json<{ id: string }>(t.api('POST', '/api/segments', { name: `${name} segment`, rule: { all: [{ field: 'tag', op: 'contains', value: tag }] } }), 201);
    const created = await json<CampaignView>(t.api('POST', '/api/campaigns', {
      name, segmentId: segment.id, contentSid: CONTENT_SID, variables: { 1: { field: 'name', fallback: 'friend' }, 2: 'SPRING20' },
    }), 201);
    expect(created.status).toBe('draft');
    return created.id;
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { TWILIO_SENDS_PER_SECOND: String(SENDS_PER_SECOND) } });
    t.openai.respond((req) => ({ content: `Model saw: ${String([...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '')}` }));
  });
  afterAll(() => t?.close());

  test('only opted-in members get the template, once each, with their variables, at the rate', async () => {
    const tag = `spring-${Date.now()}`;
    const optedIn = await seedCustomers(t.db, t.integrationId, Array.from({ length: 24 }, (_, i) => ({ name: i === 0 ? null : `Customer ${i}`, tags: [tag], consent: 'opted_in' as const })));
    const optedOut = await seedCustomers(t.db, t.integrationId, Array.from({ length: 4 }, () => ({ name: 'Out', tags: [tag], consent: 'opted_out' as const })));
    const neverAsked = await seedCustomers(t.db, t.integrationId, Array.from({ length: 3 }, () => ({ name: 'Unknown', tags: [tag] })));
    const outside = await seedCustomers(t.db, t.integrationId, [{ name: 'Not in segment', tags: ['other'], consent: 'opted_in' }]);
    const id = await newCampaign(tag, 'Spring sale');

    expect((await t.api('POST', `/api/campaigns/${id}/start`)).status).toBe(202);
    expect((await t.api('POST', `/api/campaigns/${id}/start`)).status).toBe(409);
    const done = await until(id, (c) => c.status === 'completed');
    expect(done.figures).toMatchObject({ recipients: 31, queued: 0, sent: 24, optedOut: 4, notOptedIn: 3, failed: 0, cancelled: 0 });
    expect(done.workflowId).toBe(`campaign:${id}`);
    const published = await eventually(() => t.db.query(`SELECT type, data FROM events WHERE data->>'campaignId' = $1`, [id]), (rows: unknown[]) => rows.length > 0);
    expect(published).toEqual([{ type: 'campaign.completed', data: { campaignId: id, recipientsHandled: 24 } }]);

    for (const [i, c] of optedIn.entries()) {
      const sent = templatesTo(c);
      expect(sent).toHaveLength(1);
      expect(JSON.parse(sent[0]!.contentVariables!)).toEqual({ 1: i === 0 ? 'friend' : `Customer ${i}`, 2: 'SPRING20' });
    }
    for (const c of [...optedOut, ...neverAsked, ...outside]) expect(templatesTo(c)).toEqual([]);
    const sendTimes = t.twilio.messages.filter((m) => m.contentSid === CONTENT_SID).map((m) => m.dateCreated);
    expect(maxPerSecond(sendTimes)).toBeLessThanOrEqual(SENDS_PER_SECOND);

    // The send is in the customer's timeline and transcript; their reply reaches the agent with the campaign.
    const [first] = optedIn;
    const timeline = await json<{ kind: string; summary: string }[]>(t.api('GET', `/api/customers/${first!.id}/timeline`));
    expect(timeline.find((e) => e.kind === 'campaign')?.summary).toBe('Campaign "Spring sale" sent');
    await t.webhook(messageEvent({ ConversationSid: first!.conversationSid, Author: first!.phone, Body: 'Is the code valid online?' }), { idempotencyToken: `camp-${++token}` });
    await t.twilio.waitForMessages(2, { conversationSid: first!.conversationSid, timeoutMs: 20_000 });
    expect(systemOf(t.openai.requests[t.openai.requests.length - 1]!)).toContain('Campaign "Spring sale" sent');
    expect((await until(id, (c) => c.figures.replied === 1)).figures.replied).toBe(1);
  });

  test('pause holds the sends; a STOP while paused is honoured; resume finishes; cancel stops the rest', async () => {
    const tag = `pause-${Date.now()}`;
    const members = await seedCustomers(t.db, t.integrationId, Array.from({ length: 30 }, (_, i) => ({ name: `P${i}`, tags: [tag], consent: 'opted_in' as const })));
    const id = await newCampaign(tag, 'Pausable');
    await t.api('POST', `/api/campaigns/${id}/start`);
    await until(id, (c) => c.figures.sent >= 3);
    expect((await t.api('POST', `/api/campaigns/${id}/pause`)).status).toBe(202);
    const paused = await until(id, (c) => c.status === 'paused');
    expect(paused.status).toBe('paused');
    const sentAtPause = t.twilio.messages.filter((m) => m.contentSid === CONTENT_SID && members.some((c) => c.conversationSid === m.conversationSid)).length;

    // A member not yet reached writes STOP: confirmed at once, and the campaign skips them.
    // Recipients go in customer-id order: the last one is not reached yet.
    const stopping = [...members].sort((a, b) => (a.id < b.id ? 1 : -1))[0]!;
    expect(templatesTo(stopping)).toEqual([]);
    await t.webhook(messageEvent({ ConversationSid: stopping.conversationSid, Author: stopping.phone, Body: 'STOP' }), { idempotencyToken: `camp-${++token}` });
    const [confirmation] = await t.twilio.waitForMessages(1, { conversationSid: stopping.conversationSid, timeoutMs: 20_000 });
    expect(confirmation!.body).toMatch(/^Done: you will get no more marketing messages/);
    await new Promise((r) => setTimeout(r, 1_500));
    const heldBack = t.twilio.messages.filter((m) => m.contentSid === CONTENT_SID && members.some((c) => c.conversationSid === m.conversationSid)).length;
    expect(heldBack - sentAtPause).toBeLessThanOrEqual(IN_FLIGHT); // only sends already waiting for their slot when the pause was recorded

    await t.api('POST', `/api/campaigns/${id}/resume`);
    const done = await until(id, (c) => c.status === 'completed');
    expect(done.figures).toMatchObject({ recipients: 30, sent: 29, optedOut: 1, queued: 0 });
    expect(templatesTo(stopping)).toEqual([]);
    for (const c of members.filter((m) => m !== stopping)) expect(templatesTo(c)).toHaveLength(1);
    expect((await t.api('POST', `/api/campaigns/${id}/pause`)).status).toBe(409);
    await recordHistory(t.temporal.workflow.getHandle(`campaign:${id}`), 'campaign-paused-resumed.json');

    // Cancel: what was sent stays sent, the rest is never sent.
    const tag2 = `cancel-${Date.now()}`;
    const many = await seedCustomers(t.db, t.integrationId, Array.from({ length: 60 }, (_, i) => ({ name: `C${i}`, tags: [tag2], consent: 'opted_in' as const })));
    const id2 = await newCampaign(tag2, 'Cancelled');
    await t.api('POST', `/api/campaigns/${id2}/start`);
    await until(id2, (c) => c.figures.sent >= 2);
    expect((await t.api('POST', `/api/campaigns/${id2}/cancel`)).status).toBe(202);
    const cancelled = await until(id2, (c) => c.status === 'cancelled');
    expect(cancelled.figures.sent + cancelled.figures.cancelled).toBe(60);
    expect(cancelled.figures.cancelled).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_000));
    const reached = many.filter((c) => templatesTo(c).length > 0).length;
    expect(reached).toBe((await campaign(id2)).figures.sent);
  });

  test('bad campaigns are refused before anything is stored', async () => {
    const before = Number((await t.db.query(`SELECT count(*) AS n FROM campaigns`))[0].n);
    for (const body of [
      { name: 'x', segmentId: '00000000-0000-4000-8000-000000000000', contentSid: CONTENT_SID },
      { name: 'x', segmentId: 'nope', contentSid: CONTENT_SID },
      { name: 'x', segmentId: '00000000-0000-4000-8000-000000000000', contentSid: 'not-a-sid' },
      { name: 'x', segmentId: '00000000-0000-4000-8000-000000000000', contentSid: CONTENT_SID, variables: { 1: { field: 'password' } } },
    ]) {
      expect([400, 404]).toContain((await t.api('POST', '/api/campaigns', body)).status);
    }
    expect(Number((await t.db.query(`SELECT count(*) AS n FROM campaigns`))[0].n)).toBe(before);
    expect((await t.api('GET', '/api/campaigns', undefined, null)).status).toBe(401);
  });
});
