import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { seedDashboard } from './support/dashboard-seed';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TEMPORAL_UI = 'http://temporal-ui.example.test';

/**
 * The operations dashboard against the whole application (real database, real Temporal): a known
 * six hours seeded with SQL, every figure of the API checked exactly, then the console's Dashboard
 * view in headless Chromium with the same figures, the error log's filter and its links.
 */
describe('operations dashboard', () => {
  let t: TestApp;
  let seed: Awaited<ReturnType<typeof seedDashboard>>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let shots: string;

  const get = async (path: string, key?: string) => {
    const res = await t.api('GET', path, undefined, key);
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const range = () => `from=${encodeURIComponent(seed.from)}&to=${encodeURIComponent(seed.to)}`;
  const workflowOf = (sid: string) => `conversation:${t.integrationId}:${sid}`;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
    t = await startTestApp({
      env: { LLM_PRICES: JSON.stringify({ 'gpt-4o-mini': { input: 0.15, output: 0.6 } }), TWILIO_SENDS_PER_SECOND: '2', TEMPORAL_UI_URL: TEMPORAL_UI },
    });
    seed = await seedDashboard(t.db, t.integrationId);
    shots = await mkdtemp(join(tmpdir(), 'dashboard-'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  test('the summary: volumes, reply-time percentiles, first response, resolution, rates, tokens and cost, tools, gaps', async () => {
    const { status, body } = await get(`/api/dashboard/summary?${range()}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      from: seed.from, to: seed.to, integrationId: null,
      messages: { inbound: 5, outbound: 5 }, activeCustomers: 3,
      delivery: { delivered: 4, failed: 1, held: 0, pending: 0, successRate: 0.8 },
      processing: { received: 6, delivered: 4, failing: 1, successRate: 0.8 },
      conversations: { total: 3, handedOff: 1, botResolved: 2, handoffRate: 0.3333, botResolutionRate: 0.6667 },
      llm: { model: 'gpt-4o-mini', calls: 4, promptTokens: 2000, completionTokens: 500, totalTokens: 2500, pricePerMillion: { input: 0.15, output: 0.6 }, estimatedCostUsd: 0.0006 },
      topTools: [{ tool: 'search_knowledge', calls: 3, failed: 0 }, { tool: 'create_order', calls: 1, failed: 1 }],
      knowledgeGaps: { total: 3, top: [{ question: 'Do you ship to Norway?', count: 2 }, { question: 'Is there a student discount?', count: 1 }] },
    });
    expect(body.llm.days).toEqual({ from: seed.from.slice(0, 10), to: new Date(Date.parse(seed.to) - 1).toISOString().slice(0, 10) });
    // percentile_cont interpolates: latencies 2, 3, 4, 13 s; first responses 2, 3, 13 s; resolutions 1200, 1500 s.
    const close = (actual: Record<string, number>, expected: Record<string, number>) => {
      for (const [k, v] of Object.entries(expected)) expect({ k, v: actual[k] }).toEqual({ k, v: expect.closeTo(v, 6) });
    };
    close(body.replyTimeMs, { count: 4, p50: 3500, p90: 10_300, p99: 12_730, average: 5500 });
    close(body.firstResponseSeconds, { count: 3, p50: 3, p90: 11, average: 6 });
    close(body.resolutionSeconds, { count: 2, p50: 1350, p90: 1470, average: 1350 });

    // Another integration: nothing of this one; an empty range: zeros and no percentiles.
    const other = await get(`/api/dashboard/summary?${range()}&integrationId=${seed.backupIntegrationId}`);
    expect(other.body).toMatchObject({ messages: { inbound: 0, outbound: 0 }, replyTimeMs: { count: 0, p50: null }, delivery: { successRate: null }, topTools: [] });
  });

  test('volume per hour fills empty buckets; per day adds up to the same', async () => {
    const hourly = await get(`/api/dashboard/volume?${range()}&bucket=hour`);
    expect(hourly.status).toBe(200);
    expect(hourly.body.buckets).toEqual([
      { start: seed.at(0), inbound: 2, outbound: 2 }, { start: seed.at(60), inbound: 1, outbound: 2 }, { start: seed.at(120), inbound: 0, outbound: 0 },
      { start: seed.at(180), inbound: 2, outbound: 1 }, { start: seed.at(240), inbound: 0, outbound: 0 }, { start: seed.at(300), inbound: 0, outbound: 0 },
    ]);
    const daily = await get(`/api/dashboard/volume?${range()}&bucket=day`);
    const buckets = daily.body.buckets as { start: string; inbound: number; outbound: number }[];
    expect(buckets.every((b) => b.start.endsWith('T00:00:00.000Z'))).toBe(true);
    expect(buckets.reduce((s, b) => [s[0]! + b.inbound, s[1]! + b.outbound], [0, 0])).toEqual([5, 5]);
  });

  test('the error log: failed sends with their code, failed tools, alerts, paused integrations, stuck webhook events; filters', async () => {
    const { body } = await get(`/api/dashboard/errors?${range()}`);
    expect(body.errors.map((e: { type: string; code: string | null; conversationSid: string | null }) => [e.type, e.code, e.conversationSid])).toEqual([
      ['inbox_pending', 'onMessageAdd', seed.s3], ['alert', 'twilio_auth_failed', null], ['integration_paused', null, null],
      ['alert', 'handoff_sla_missed', seed.s2], ['tool_failed', 'create_order', seed.s2], ['send_failed', '63016', seed.s2],
    ]);
    expect(body.errors[5]).toEqual({
      id: expect.any(String), type: 'send_failed', at: seed.at(65, 3), integrationId: t.integrationId, conversationSid: seed.s2, code: '63016',
      message: 'Message failed', workflowId: workflowOf(seed.s2),
      temporalUiUrl: `${TEMPORAL_UI}/namespaces/default/workflows/${encodeURIComponent(workflowOf(seed.s2))}`,
    });
    expect(body.errors[2]).toMatchObject({ integrationId: seed.backupIntegrationId, message: 'Integration Backup line paused: Twilio refused the credentials (20003)', workflowId: null, temporalUiUrl: null });

    const failed = await get(`/api/dashboard/errors?${range()}&type=send_failed`);
    expect(failed.body.errors.map((e: { code: string }) => e.code)).toEqual(['63016']);
    const ofS2 = await get(`/api/dashboard/errors?${range()}&conversationSid=${seed.s2}&limit=2`);
    expect(ofS2.body.errors.map((e: { type: string }) => e.type)).toEqual(['alert', 'tool_failed']);
    // A range ending before anything happened: nothing, not even the integration paused later.
    const before = await get(`/api/dashboard/errors?from=${encodeURIComponent(seed.at(-60))}&to=${encodeURIComponent(seed.at(0))}`);
    expect(before.body.errors).toEqual([]);
  });

  test('integration health: status, last webhook and send, sends in the last minute against the limit', async () => {
    const { status, body } = await get('/api/dashboard/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ limitPerMinute: 120, sendsLastMinute: 3 });
    const [main, backup] = body.integrations;
    expect(main).toMatchObject({ id: t.integrationId, status: 'active', pausedReason: null, lastWebhookAt: seed.at(210), sendsLastMinute: 3, limitPerMinute: 120 });
    expect(Date.now() - Date.parse(main.lastSendAt)).toBeLessThan(60_000);
    expect(backup).toEqual({
      id: seed.backupIntegrationId, name: 'Backup line', kind: 'twilio', phoneNumber: '+14155550100', status: 'paused', pausedReason: 'Twilio refused the credentials (20003)',
      pausedSince: seed.at(120), lastWebhookAt: null, lastSendAt: null, sendsLastMinute: 0, limitPerMinute: 120,
    });
  });

  test('bad parameters are a 400 naming the field; agents may not read the dashboard', async () => {
    const cases: [string, string][] = [
      [`/api/dashboard/summary?from=${encodeURIComponent(seed.to)}&to=${encodeURIComponent(seed.from)}`, 'from'],
      ['/api/dashboard/summary?from=yesterday', 'from'],
      ['/api/dashboard/summary?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
      ['/api/dashboard/summary?integrationId=main', 'integrationId'],
      ['/api/dashboard/summary?days=7', 'query'],
      [`/api/dashboard/volume?${range()}&bucket=minute`, 'bucket'],
      ['/api/dashboard/volume?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&bucket=hour', 'bucket'],
      [`/api/dashboard/errors?${range()}&type=everything`, 'type'],
      [`/api/dashboard/errors?${range()}&conversationSid=CH123`, 'conversationSid'],
      [`/api/dashboard/errors?${range()}&limit=0`, 'limit'],
    ];
    for (const [path, field] of cases) {
      const { status, body } = await get(path);
      expect({ path, status, fields: body.problems?.map((p: { field: string }) => p.field) }).toEqual({ path, status: 400, fields: [field] });
    }
    const created = (await (await t.api('POST', '/api/keys', { name: 'Dana', role: 'agent' })).json()) as { key: string };
    for (const path of ['summary', 'volume', 'errors', 'health']) expect((await get(`/api/dashboard/${path}`, created.key)).status).toBe(403);
    expect((await t.api('GET', '/api/dashboard/summary', undefined, null)).status).toBe(401);
  });

  test('in the console: every panel shows the figures, the error log filters, and its links open the conversation and its workflow', async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, timezoneId: 'UTC', locale: 'en-US' });
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (/Content.Security.Policy/i.test(msg.text())) pageErrors.push(`CSP: ${msg.text()}`);
    });
    const testid = (id: string) => page.locator(`[data-testid="${id}"]`);
    const value = (name: string, text: string) => page.locator(`[data-testid="value-${name}"]`, { hasText: new RegExp(`^${text.replace(/[$.]/g, '\\$&')}$`) }).waitFor();

    await page.goto(`${t.url}/console`);
    await testid('key-input').fill(ADMIN_KEY);
    await testid('sign-in').click();
    await testid('nav-dashboard').click();
    await testid('dashboard').waitFor();
    expect(await page.locator('#console-view').isVisible()).toBe(false);

    // The seeded six hours (the inputs are in the browser's time zone, UTC here).
    await testid('dash-from').fill(seed.from.slice(0, 16));
    await testid('dash-to').fill(seed.to.slice(0, 16));
    await testid('dash-apply').click();
    for (const [name, text] of [
      ['messages-in', '5'], ['messages-out', '5'], ['active-customers', '3'], ['reply-time', '3.5 s'], ['first-response', '3 s'], ['resolution', '22.5 min'],
      ['delivery', '80 %'], ['processing', '80 %'], ['bot-resolution', '66.7 %'], ['handoff', '33.3 %'], ['tokens', '2,500'], ['cost', '$0.0006'],
    ]) await value(name!, text!);
    expect(await testid('detail-reply-time').textContent()).toBe('p90 10.3 s · p99 12.7 s · 4 replies');
    expect(await testid('detail-delivery').textContent()).toContain('1 failed');
    expect(await page.locator('[data-testid="bar-inbound"]').evaluateAll((bars) => bars.map((b) => Number(b.getAttribute('data-value'))))).toEqual([2, 1, 0, 2, 0, 0]);
    expect(await page.locator('[data-testid="bar-outbound"]').evaluateAll((bars) => bars.map((b) => Number(b.getAttribute('data-value'))))).toEqual([2, 2, 0, 1, 0, 0]);
    expect(await page.locator('[data-testid="tools-row"]').allInnerTexts()).toEqual(['search_knowledge\t3\t0', 'create_order\t1\t1']);
    expect(await page.locator('#gaps-list li').allInnerTexts()).toEqual(['Do you ship to Norway? (2)', 'Is there a student discount? (1)']);
    await page.locator('[data-testid="errors-row"]').nth(5).waitFor();
    expect(await page.locator('[data-testid="errors-row"]').count()).toBe(6);
    const health = page.locator('[data-testid="health-row"]');
    expect(await health.count()).toBe(2);
    expect(await health.nth(0).innerText()).toContain('3 / 120');
    expect(await health.nth(1).innerText()).toContain('Twilio refused the credentials (20003)');
    expect(page.url()).toContain('#dashboard?from=');
    await checkScreenshot('dashboard.png');

    await testid('dash-error-type').selectOption('send_failed');
    await testid('dash-error-apply').click();
    await page.locator('[data-testid="errors-row"][data-type="send_failed"]').waitFor();
    await page.locator('[data-testid="errors-row"]').nth(1).waitFor({ state: 'detached' });
    const row = page.locator('[data-testid="errors-row"]');
    expect(await row.innerText()).toContain('63016');
    expect(await row.locator('[data-testid="error-conversation"]').getAttribute('href')).toBe(`#conversation=${seed.s2}`);
    expect(await row.locator('[data-testid="error-workflow"]').getAttribute('href')).toBe(`${TEMPORAL_UI}/namespaces/default/workflows/${encodeURIComponent(workflowOf(seed.s2))}`);
    await checkScreenshot('dashboard-errors.png');

    await row.locator('[data-testid="error-conversation"]').click();
    await page.locator('[data-testid="transcript"] [data-testid="message"]', { hasText: 'Hi, this is Dana: your order left today.' }).waitFor();
    expect(await testid('dashboard').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="transcript"]').innerText()).toContain('failed (63016)');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  async function checkScreenshot(name: string) {
    const path = join(shots, name);
    // The dashboard scrolls inside the page: grow the window to show all of it, then back.
    const height = await page.locator('[data-testid="dashboard"]').evaluate((node) => node.scrollHeight + node.getBoundingClientRect().top);
    await page.setViewportSize({ width: 1280, height: Math.max(900, Math.ceil(height) + 20) });
    await page.screenshot({ path });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect((await readFile(path)).subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    console.log(`dashboard screenshot: ${path}`);
  }
});
