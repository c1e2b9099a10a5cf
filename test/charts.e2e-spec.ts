import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { chromium } from 'playwright-core';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createChartActivities } from '../activities/chart.activities';
import { AlertsService } from '../src/alerts/alerts.service';
import { ChartsService } from '../src/charts/charts.service';
import { IntegrationsService } from '../src/integrations/integrations.service';
import { CredentialsCipher } from '../src/security/credentials-cipher';
import { TwilioClients } from '../src/twilio/twilio-clients.service';
import { ACCOUNT_SID, ADMIN_KEY, AUTH_TOKEN, newConversationSid, startTestApp, type TestApp } from './support/test-app';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const rows = [
  { region: 'North', orders: '31' },
  { region: 'South', orders: '18' },
  { region: 'East', orders: '24' },
];
const intent = { type: 'bar', x: 'region', y: 'orders', title: 'Orders by region' };
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Charts end to end against the real database and the Twilio emulator: drawn and stored, the PNG
 * uploaded to the Media Content Service once and sent as the message's MediaSid (a retry sends
 * nothing twice), served to administrators only, and written to DATA_DIR in the sandbox.
 */
describe('charts', () => {
  let t: TestApp;
  let charts: ChartsService;
  let activities: ReturnType<typeof createChartActivities>;
  /** Runs an activity as Temporal would, as attempt `attempt`. */
  const run = <A, R>(fn: (input: A) => Promise<R>, input: A, attempt = 1): Promise<R> =>
    new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') }).run<[A], R, typeof fn>(fn, input);

  /** A customer's conversation as Twilio has it: one message from them. */
  const customerConversation = () => {
    const sid = newConversationSid();
    t.twilio.addCustomerMessage(ACCOUNT_SID, sid, { author: 'whatsapp:+34600111222', body: 'How many orders per region?', dateCreated: new Date() });
    return sid;
  };

  beforeAll(async () => {
    t = await startTestApp();
    const context = t.app.context;
    charts = context.get(ChartsService);
    activities = createChartActivities({
      charts, integrations: context.get(IntegrationsService), twilio: context.get(TwilioClients), alerts: context.get(AlertsService), config: t.config,
    });
  });
  afterAll(() => t?.close());

  test('the PNG reaches Twilio once as media and is sent with the answer; a retry sends nothing twice', async () => {
    const sid = customerConversation();
    const { chartId, path } = await run(activities.renderDataChart, { integrationId: t.integrationId, conversationSid: sid, question: 'How many orders per region?', intent, rows });
    expect(path).toBeUndefined();
    const png = (await charts.png(chartId))!;
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);

    // The first attempt's message reaches Twilio, but its answer is lost on the way back.
    t.twilio.dropAnswersAfterCreate(1);
    const input = { integrationId: t.integrationId, conversationSid: sid, chartId, body: 'North leads with 31 orders.', idempotencyKey: `chart-${chartId}` };
    await expect(run(activities.sendChart, input, 1)).rejects.toThrow();
    const sent = await run(activities.sendChart, input, 2);
    const again = await run(activities.sendChart, input, 3);

    const uploads = [...t.twilio.media.values()].filter((m) => m.bytes.equals(png));
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ contentType: 'image/png', serviceSid: expect.stringMatching(/^IS/) });
    const messages = t.twilio.messagesFor(sid);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ sid: sent.messageSid, mediaSid: uploads[0]!.sid, body: 'North leads with 31 orders.' });
    expect(sent).toMatchObject({ mediaSid: uploads[0]!.sid, author: expect.any(String) });
    expect(again.messageSid).toBe(sent.messageSid);
    expect((await charts.get(chartId))?.mediaSid).toBe(uploads[0]!.sid);
    // As Twilio lists it: the message carries its media.
    const [listed] = await t.app.context.get(TwilioClients).get(ACCOUNT_SID, AUTH_TOKEN).conversations.v1.conversations(sid).messages.list({ order: 'desc', limit: 1 });
    expect(listed?.media).toEqual([expect.objectContaining({ sid: uploads[0]!.sid, content_type: 'image/png', size: png.length })]);
  });

  test('a rate-limited upload is retried later, and a bad intent is not retried at all', async () => {
    const sid = customerConversation();
    const { chartId } = await run(activities.renderDataChart, { integrationId: t.integrationId, conversationSid: sid, question: 'q', intent, rows });
    t.twilio.failNext(1, { status: 429, retryAfterSeconds: 7, path: /\/Media$/ });
    const limited = await run(activities.sendChart, { integrationId: t.integrationId, conversationSid: sid, chartId, body: 'b', idempotencyKey: `rl-${chartId}` }).catch((err: unknown) => err);
    expect(limited).toBeInstanceOf(ApplicationFailure);
    expect(limited).toMatchObject({ type: 'TwilioRateLimited', nonRetryable: false, nextRetryDelay: '7s' });
    expect(t.twilio.messagesFor(sid)).toHaveLength(0);

    const bad = await run(activities.renderDataChart, { integrationId: t.integrationId, question: 'q', intent: { ...intent, y: 'region' }, rows }).catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(ApplicationFailure);
    expect(bad).toMatchObject({ type: 'ChartError', nonRetryable: true, message: expect.stringMatching(/must be numeric/) });
  });

  test('the API serves charts to administrators only', async () => {
    const { id } = await charts.save({ integrationId: t.integrationId, conversationSid: null, question: 'Orders per region?', intent: { type: 'pie', x: 'region', y: 'orders', title: 'Share' }, spec: { mark: 'arc' }, png: PNG_SIGNATURE });
    const image = await t.api('GET', `/api/charts/${id}/png`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(PNG_SIGNATURE);
    expect((await t.api('GET', `/api/charts/${id}/png`, undefined, null)).status).toBe(401);
    expect((await t.api('GET', `/api/charts/${id}`, undefined, 'not-a-key')).status).toBe(401);
    expect((await t.api('GET', '/api/charts', undefined, null)).status).toBe(401);

    const meta = (await (await t.api('GET', `/api/charts/${id}`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ id, question: 'Orders per region?', title: 'Share', type: 'pie', spec: { mark: 'arc' }, mediaSid: null });
    expect(meta).not.toHaveProperty('png');
    const list = (await (await t.api('GET', '/api/charts?limit=2')).json()) as Record<string, unknown>[];
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ id, title: 'Share' });
    expect(list[0]).not.toHaveProperty('png');
    expect((await t.api('GET', `/api/charts/${randomUUID()}/png`)).status).toBe(404);
    expect((await t.api('GET', '/api/charts?limit=0')).status).toBe(400);
  });

  test('the console dashboard lists recent charts with their pictures', async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
    await run(activities.renderDataChart, { integrationId: t.integrationId, question: 'Which region sells most?', intent: { ...intent, title: 'Regions this week' }, rows });
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.setDefaultTimeout(20_000);
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(err.message));
      page.on('console', (msg) => {
        if (/Content.Security.Policy/i.test(msg.text())) problems.push(msg.text());
      });
      await page.goto(`${t.url}/console`);
      await page.locator('[data-testid="key-input"]').fill(ADMIN_KEY);
      await page.locator('[data-testid="sign-in"]').click();
      await page.locator('[data-testid="nav-dashboard"]').click();
      const chart = page.locator('[data-testid="chart"]', { hasText: 'Regions this week' });
      await chart.locator('figcaption', { hasText: 'Which region sells most?' }).waitFor();
      const img = chart.locator('img');
      // (No DOM types here: the page's <img> as far as these checks read it.)
      type Image = { complete: boolean; naturalWidth: number; src: string };
      await page.waitForFunction((el) => Boolean(el && (el as unknown as Image).complete && (el as unknown as Image).naturalWidth > 0), await img.elementHandle());
      expect(await img.evaluate((el) => [(el as unknown as Image).src.slice(0, 22), (el as unknown as Image).naturalWidth])).toEqual(['data:image/png;base64,', 1600]);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test('in the sandbox the PNG is written to DATA_DIR and nothing is uploaded or sent', async () => {
    const sandboxId = randomUUID();
    const token = new CredentialsCipher(t.config.credentialsKey!).encrypt('sandbox-token');
    await t.db.query(
      `INSERT INTO integrations (id, name, kind, account_sid, auth_token_encrypted, phone_number, agent_identity, status, answered_event)
       VALUES ($1, 'Charts sandbox', 'sandbox', $2, $3, 'whatsapp:+10000000000', 'agent', 'active', 'onMessageAdd')`,
      [sandboxId, `AC${randomBytes(16).toString('hex')}`, token],
    );
    const before = { media: t.twilio.media.size, messages: t.twilio.messages.length };
    const { chartId, path } = await run(activities.renderDataChart, { integrationId: sandboxId, conversationSid: 'CHsandbox', question: 'q', intent: { ...intent, type: 'table' }, rows });
    expect(path).toBe(join(t.config.dataDir, 'charts', `${chartId}.png`));
    expect(existsSync(path!)).toBe(true);
    expect(readFileSync(path!)).toEqual(await charts.png(chartId));

    const sent = await run(activities.sendChart, { integrationId: sandboxId, conversationSid: 'CHsandbox', chartId, body: 'b', idempotencyKey: `sb-${chartId}` });
    expect(sent.messageSid).toMatch(/^IM/);
    expect(sent.mediaSid).toBeUndefined();
    expect({ media: t.twilio.media.size, messages: t.twilio.messages.length }).toEqual(before);
  });
});
