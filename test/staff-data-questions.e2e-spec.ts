import type { ChatRequest } from './emulators/openai-emulator';
import { scriptDataQuestions } from './conversations/data-script';
import { seedCustomers, seedOrder } from './support/crm-seed';
import { eventually } from './support/eventually';
import { recordHistory } from './support/record-history';
import { ACCOUNT_SID, messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';
import { SQL_PROMPT_MARKER } from '../src/analytics/data-prompts';

const OWNER = '+34600222001';
const ANALYST = '+34600222002';
const AGENT = '+34600222003';
const CUSTOMER = '+4915199999999';

const BY_CITY = 'How many orders do we have by city?';
const BY_CITY_SQL = `SELECT c.city, count(*) AS orders FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.city ORDER BY orders DESC, c.city`;
const RETRIED = 'What is our total revenue?';
const NEVER = 'Which staff have admin rights?';

interface DataQuestionRow { id: string; question: string; status: string; attempts: { sql: string; outcome: string; error?: string }[]; chartId: string | null; workflowId: string; staffId: string | null }

const MEDIA_TEMPLATE = `HX${'cd'.repeat(16)}`;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const systemOf = (req: ChatRequest) => String(req.messages.find((m) => m.role === 'system')?.content ?? '');
const lastUser = (req: ChatRequest) => String([...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '');

/**
 * Staff's data questions end to end on real Temporal and PostgreSQL, with Twilio and the model
 * emulated: an owner's question becomes checked SQL, a stated answer and a chart picture uploaded to
 * the Media Content Service and sent with its MediaSid; a query the guard refuses is retried once
 * with the error shown to the model, then the owner is told plainly; "report this week" needs no
 * model; the role comes from the staff registry, so customers and agents get the ordinary agent; a
 * scheduled report goes out through its Temporal schedule.
 */
describe('data questions from staff on WhatsApp', () => {
  let t: TestApp;
  let token = 0;
  const sids = { owner: newConversationSid(), analyst: newConversationSid(), agent: newConversationSid(), customer: newConversationSid() };
  const staffIds: Record<string, string> = {};
  let sqlFor: (question: string, attempt: number) => string | undefined = () => undefined;

  const ask = async (who: keyof typeof sids, phone: string, body: string) => {
    const before = t.twilio.messages.filter((m) => m.conversationSid === sids[who]).length;
    // At Twilio the message (and so its conversation) exists before the webhook fires.
    t.twilio.addCustomerMessage(ACCOUNT_SID, sids[who], { author: `whatsapp:${phone}`, body, dateCreated: new Date() });
    const res = await t.webhook(messageEvent({ ConversationSid: sids[who], Body: body, Author: `whatsapp:${phone}` }), { idempotencyToken: `data-${++token}` });
    expect(res.status).toBe(200);
    const [reply] = (await t.twilio.waitForMessages(before + 1, { conversationSid: sids[who], timeoutMs: 30_000 })).slice(before);
    return reply!;
  };
  const sqlRequests = () => t.openai.requests.filter((r) => systemOf(r).startsWith(SQL_PROMPT_MARKER));
  const questions = async () => (await t.db.query(`SELECT id, question, status, attempts, chart_id AS "chartId", workflow_id AS "workflowId", staff_id AS "staffId" FROM data_questions ORDER BY created_at`)) as DataQuestionRow[];
  const orderCount = async () => Number((await t.db.query(`SELECT count(*)::int AS n FROM orders`))[0].n);

  beforeAll(async () => {
    t = await startTestApp({ env: { REPORT_TEMPLATE_CONTENT_SID: MEDIA_TEMPLATE } });
    t.openai.respond(scriptDataQuestions(
      [{ question: BY_CITY, sql: BY_CITY_SQL, chart: { type: 'bar', x: 'city', y: 'orders', title: 'Orders by city' } }, { question: RETRIED, sql: `SELECT sum(total) AS revenue FROM orders WHERE status = 'paid'` }],
      { fallback: (req) => ({ content: `Echo: ${lastUser(req)}` }), sqlFor: (q, attempt) => sqlFor(q, attempt) },
    ));
    for (const [phone, name, role] of [[OWNER, 'Olga', 'owner'], [ANALYST, 'Ana', 'analyst'], [AGENT, 'Arturo', 'agent']] as const) {
      const res = await t.api('POST', '/api/staff', { phone, name, role });
      expect(res.status).toBe(201);
      staffIds[name] = ((await res.json()) as { id: string }).id;
    }
    const [madrid1, madrid2, sevilla] = await seedCustomers(t.db, t.integrationId, [{ attributes: { city: 'Madrid' } }, { attributes: { city: 'Madrid' } }, { attributes: { city: 'Sevilla' } }]);
    await seedOrder(t.db, t.integrationId, madrid1!, 30, 'paid', 0);
    await seedOrder(t.db, t.integrationId, madrid2!, 12.5, 'paid', 0);
    await seedOrder(t.db, t.integrationId, madrid2!, 99, 'cancelled', 0);
    await seedOrder(t.db, t.integrationId, sevilla!, 20, 'paid', 3);
    await seedOrder(t.db, t.integrationId, sevilla!, 55, 'paid', 40);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('an owner asks a question: checked SQL, the answer from the rows, and a chart sent with its MediaSid', async () => {
    const reply = await ask('owner', OWNER, BY_CITY);
    expect(reply.body).toBe('city: Madrid, orders: 3\ncity: Sevilla, orders: 2');
    expect(reply.mediaSid).toMatch(/^ME/);
    const media = t.twilio.media.get(reply.mediaSid!);
    expect(media?.contentType).toBe('image/png');
    expect(media!.bytes.subarray(0, 8)).toEqual(PNG);
    const [question] = await questions();
    expect(question).toMatchObject({ question: BY_CITY, status: 'answered', staffId: staffIds.Olga, attempts: [{ sql: BY_CITY_SQL, outcome: 'ok', rows: 2 }] });
    expect(question!.chartId).toEqual(expect.any(String));
    // The question is its own workflow, each step an activity, visible in the Temporal UI.
    const handle = t.temporal.workflow.getHandle(question!.workflowId);
    expect((await handle.describe()).type).toBe('dataQuestionWorkflow');
    await recordHistory(handle, 'data-question-answered.json');
    // The transcript keeps the chart with the message.
    type Transcript = { messages: { direction: string; media?: { chartId: string }[] }[] };
    const transcript = await eventually(async () => (await (await t.api('GET', `/api/conversations/${sids.owner}`)).json()) as Transcript, (tr) => tr.messages.length === 2);
    expect(transcript.messages.at(-1)).toMatchObject({ direction: 'outbound', media: [{ chartId: question!.chartId }] });
    const png = await t.api('GET', `/api/charts/${question!.chartId}/png`);
    expect(png.headers.get('content-type')).toBe('image/png');
  });

  test('a query the guard refuses is tried again with the error; nothing reaches the tables', async () => {
    const orders = await orderCount();
    sqlFor = (q, attempt) => (q === RETRIED && attempt === 1 ? 'WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone' : undefined);
    const sqlBefore = sqlRequests().length;
    const reply = await ask('owner', OWNER, RETRIED);
    expect(reply.body).toBe('revenue: 117.5');
    const retry = sqlRequests().slice(sqlBefore);
    expect(retry).toHaveLength(2);
    expect(systemOf(retry[1]!)).toContain('It failed (rejected)');
    const question = (await questions()).find((q) => q.question === RETRIED);
    expect(question?.attempts.map((a) => a.outcome)).toEqual(['rejected', 'ok']);
    expect(await orderCount()).toBe(orders);
  });

  test('refused twice: the owner is told plainly what could not be answered', async () => {
    sqlFor = (q) => (q === NEVER ? "SELECT set_config('role', 'postgres', false)" : undefined);
    const reply = await ask('owner', OWNER, NEVER);
    expect(reply.body).toMatch(/^I could not answer that from the data\. The last try failed: .*set_config/);
    const question = (await questions()).find((q) => q.question === NEVER);
    expect(question).toMatchObject({ status: 'failed' });
    expect(question!.attempts.map((a) => a.outcome)).toEqual(['rejected', 'rejected']);
    await recordHistory(t.temporal.workflow.getHandle(`conversation:${t.integrationId}:${sids.owner}`), 'conversation-staff-data.json');
  });

  test('"report this week" comes from the named metrics, without the model', async () => {
    const before = t.openai.requests.length;
    const reply = await ask('analyst', ANALYST, 'report this week');
    expect(reply.body).toMatch(/^📊 This week \(UTC\)/);
    // Paid this week: 30 + 12.50 today, and 20 three days ago only when that was this week too.
    const monday = new Date();
    monday.setUTCHours(0, 0, 0, 0);
    monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
    const revenue = 42.5 + (Date.now() - 3 * 86_400_000 >= monday.getTime() ? 20 : 0);
    expect(reply.body).toContain(`• Revenue: ${revenue.toFixed(2)} EUR`);
    expect(t.openai.requests.length).toBe(before);
  });

  test('customers and agents reach the ordinary agent, never the data tools', async () => {
    const before = sqlRequests().length;
    const rows = (await questions()).length;
    expect((await ask('customer', CUSTOMER, BY_CITY)).body).toBe(`Echo: ${BY_CITY}`);
    expect((await ask('agent', AGENT, 'report today')).body).toBe('Echo: report today');
    expect(sqlRequests().length).toBe(before);
    expect(await questions()).toHaveLength(rows);
  });

  test('a scheduled report reaches the staff member through its Temporal schedule', async () => {
    expect((await t.api('POST', `/api/staff/${staffIds.Arturo}/reports`, { at: '08:00' })).status).toBe(422);
    const res = await t.api('POST', `/api/staff/${staffIds.Olga}/reports`, { at: '08:30', days: ['mon', 'fri'], period: 'today', metrics: ['revenue', 'orders'], timeZone: 'Europe/Madrid' });
    expect(res.status).toBe(201);
    const report = (await res.json()) as { id: string; scheduleId: string; cron: string; at: string; days: string[] };
    expect(report).toMatchObject({ cron: '30 8 * * 1,5', at: '08:30', days: ['mon', 'fri'] });
    const schedule = await t.temporal.schedule.getHandle(report.scheduleId).describe();
    expect(schedule.spec.timezone).toBe('Europe/Madrid');

    const before = t.twilio.messages.filter((m) => m.conversationSid === sids.owner).length;
    expect((await t.api('POST', `/api/staff/${staffIds.Olga}/reports/${report.id}/run`)).status).toBe(202);
    const [sent] = (await t.twilio.waitForMessages(before + 1, { conversationSid: sids.owner, timeoutMs: 30_000 })).slice(before);
    expect(sent!.body).toMatch(/^📊 Today \(Europe\/Madrid\)\n• Revenue: .* EUR \(yesterday: .*\)\n• Orders: \d+ \(yesterday: \d+\)$/);
    // The chart: revenue per day over the last two weeks (paid today and three days ago).
    expect(t.twilio.media.get(sent!.mediaSid!)?.bytes.subarray(0, 8)).toEqual(PNG);
    const run = (await t.temporal.schedule.getHandle(report.scheduleId).describe()).info.recentActions[0]?.action.workflow.workflowId;
    await t.temporal.workflow.getHandle(run!).result();
    await recordHistory(t.temporal.workflow.getHandle(run!), 'staff-report-sent.json');

    // Outside the 24-hour window: the approved media template, with a signed link Twilio fetches the chart from.
    t.twilio.failNext(1, { status: 400, code: 63016, message: 'Failed to send freeform message because you are outside the allowed window.', path: new RegExp(`${sids.owner}/Messages`) });
    expect((await t.api('POST', `/api/staff/${staffIds.Olga}/reports/${report.id}/run`)).status).toBe(202);
    const [template] = (await t.twilio.waitForMessages(before + 2, { conversationSid: sids.owner, timeoutMs: 30_000 })).slice(before + 1);
    expect(template!.contentSid).toBe(MEDIA_TEMPLATE);
    const variables = JSON.parse(template!.contentVariables!) as Record<string, string>;
    expect(variables['1']).toBe(sent!.body);
    expect(variables['2']).toMatch(/^charts\/[0-9a-f-]{36}\/\d+\/[0-9a-f]{32}\.png$/);
    const fetched = await fetch(`${t.url}/media/${variables['2']}`);
    expect(fetched.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await fetched.arrayBuffer()).subarray(0, 8)).toEqual(PNG);
    expect((await fetch(`${t.url}/media/${variables['2']!.replace(/[0-9a-f](?=\.png$)/, (c) => (c === '0' ? '1' : '0'))}`)).status).toBe(404);

    expect((await t.api('DELETE', `/api/staff/${staffIds.Olga}/reports/${report.id}`)).status).toBe(204);
    await expect(t.temporal.schedule.getHandle(report.scheduleId).describe()).rejects.toThrow();
    expect(await eventually(async () => (await (await t.api('GET', `/api/staff/${staffIds.Olga}/reports`)).json()) as unknown[], (r) => r.length === 0)).toEqual([]);
  });

  test('the semantic layer is edited through the API, and what is stored passes the same guard', async () => {
    const described = await t.api('PATCH', '/api/analytics/views/orders', { columns: { total: 'Order total in euros, VAT included' } });
    expect(described.status).toBe(200);
    expect(((await described.json()) as { columns: { name: string; description: string }[] }).columns.find((c) => c.name === 'total')?.description).toBe('Order total in euros, VAT included');
    expect((await t.api('PATCH', '/api/analytics/views/orders', { columns: { phone: 'x' } })).status).toBe(422);

    const metric = { label: 'Cancelled', description: 'Cancelled orders', view: 'orders', expression: 'count(*)', timeColumn: 'created_at', filter: "status = 'cancelled'", unit: 'count' };
    expect((await t.api('PUT', '/api/analytics/metrics/cancelled_orders', metric)).status).toBe(200);
    const refused = await t.api('PUT', '/api/analytics/metrics/sneaky', { ...metric, expression: "set_config('role', 'postgres', false)" });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: string }).error).toBe('sql_refused');
    expect((await t.api('PUT', '/api/analytics/metrics/badtime', { ...metric, timeColumn: 'status' })).status).toBe(422);

    const report = await t.api('GET', '/api/analytics/report?period=today&metrics=cancelled_orders,revenue');
    expect(report.status).toBe(200);
    // Placed today: one cancelled (99) and two paid (30 + 12.50).
    expect(((await report.json()) as { figures: { name: string; value: number }[] }).figures).toEqual([
      expect.objectContaining({ name: 'cancelled_orders', value: 1 }),
      expect.objectContaining({ name: 'revenue', value: 42.5 }),
    ]);
    expect((await t.api('DELETE', '/api/analytics/metrics/cancelled_orders')).status).toBe(204);

    expect((await t.api('POST', '/api/analytics/examples', { question: 'Delete everything', sql: 'DELETE FROM orders' })).status).toBe(422);
    const example = await t.api('POST', '/api/analytics/examples', { question: 'Orders per payment provider', sql: 'SELECT payment_provider, count(*) FROM orders GROUP BY 1' });
    expect(example.status).toBe(201);
    const { id } = (await example.json()) as { id: string };
    expect(((await (await t.api('GET', '/api/analytics/examples')).json()) as { id: string }[]).map((e) => e.id)).toContain(id);
    expect((await t.api('DELETE', `/api/analytics/examples/${id}`)).status).toBe(204);
    expect((await t.api('GET', '/api/data-questions')).status).toBe(200);
    expect((await t.api('GET', '/api/analytics/metrics', undefined, null)).status).toBe(401);
  });

  test("the model's calls count against the day's token budget; once it is spent, questions wait and reports still work", async () => {
    const [used] = (await t.db.query(
      `SELECT coalesce(sum(u.prompt_tokens + u.completion_tokens), 0)::int AS tokens FROM llm_usage u JOIN customers c ON c.id = u.customer_id WHERE c.phone = $1`,
      [`whatsapp:${OWNER}`],
    )) as { tokens: number }[];
    expect(used!.tokens).toBeGreaterThan(0);
    expect((await t.api('PUT', `/api/integrations/${t.integrationId}/policies`, { limits: { customerDailyTokens: used!.tokens } })).status).toBe(200);
    const before = t.openai.requests.length;
    expect((await ask('owner', OWNER, BY_CITY)).body).toMatch(/^Today's language-model budget is spent/);
    expect(t.openai.requests.length).toBe(before);
    expect((await ask('owner', OWNER, 'report today')).body).toMatch(/^📊 Today \(UTC\)/);
  });
});
