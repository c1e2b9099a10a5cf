import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { ChatRequest } from './emulators/openai-emulator';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const XSS = '<img src=x onerror="window.__xss=1">';
const HANDOFF_NOTICE = 'A person from our team will take over here shortly.';

/** The model: phrases the hand-off notice, echoes everything else. */
function model(req: ChatRequest) {
  if (String(req.messages[0]?.content ?? '').includes('has been asked to take over')) return { content: HANDOFF_NOTICE };
  return { content: `Echo: ${String(req.messages.at(-1)?.content)}` };
}

/**
 * The agent console in a real browser (Debian's Chromium driven by playwright-core) against the whole
 * application: real Temporal, a real database, Twilio and OpenAI emulated. An agent signs in, takes a
 * waiting conversation over, replies through Twilio while the bot stays silent, and hands it back.
 */
describe('agent console', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let agentKey: string;
  const sid = newConversationSid();
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) {
      throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
    }
    t = await startTestApp();
    t.openai.respond(model);
    const res = await t.api('POST', '/api/keys', { name: 'Dana', role: 'agent' });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; name: string; role: string; key: string };
    expect(created).toMatchObject({ name: 'Dana', role: 'agent', key: expect.any(String) });
    agentKey = created.key;

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (/Content.Security.Policy/i.test(msg.text())) pageErrors.push(`CSP: ${msg.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const testid = (id: string) => page.locator(`[data-testid="${id}"]`);
  const message = (text: string, direction?: 'inbound' | 'outbound') =>
    page.locator(`[data-testid="transcript"] [data-testid="message"]${direction ? `[data-direction="${direction}"]` : ''}`, { hasText: text });
  const waitForStatus = (status: string) => page.locator(`[data-testid="status-badge"][data-status="${status}"]`).waitFor();
  const customerWrites = async (body: string) => {
    const res = await t.webhook(messageEvent({ ConversationSid: sid, Body: body }));
    expect(res.status).toBe(200);
  };

  test('the page and its two files are served with a strict CSP; nothing else is', async () => {
    const html = await fetch(`${t.url}/console`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
    );
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html.headers.get('cache-control')).toBe('no-store');
    expect(await html.text()).toContain('src="/console/console.js"');

    expect((await fetch(`${t.url}/console/console.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${t.url}/console/console.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    for (const path of ['/console/console.ts', '/console/..%2Fconsole.controller.ts', '/console/%2e%2e%2f%2e%2e%2fpackage.json', '/console/static', '/console/constructor']) {
      const res = await fetch(`${t.url}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });

  test('a wrong key is refused in a visible alert; the agent key signs in', async () => {
    await page.goto(`${t.url}/console`);
    await testid('key-input').fill('not-a-key');
    await testid('sign-in').click();
    await page.locator('[data-testid="error"][role="alert"]').waitFor();
    expect(await testid('key-input').isVisible()).toBe(true);

    await testid('key-input').fill(agentKey);
    await testid('sign-in').click();
    await page.locator('[data-testid="signed-in-as"]', { hasText: 'Signed in as Dana (agent)' }).waitFor();
    expect(await testid('error').isVisible()).toBe(false);
    expect(await testid('tab-waiting_for_human').getAttribute('aria-selected')).toBe('true');
  });

  test('an agent takes a waiting conversation over, replies through Twilio while the bot is silent, and hands it back', async () => {
    await customerWrites('I want to talk to a human');
    const [handoffReply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(handoffReply!.body).toBe(HANDOFF_NOTICE);

    // Waiting tab (the default) → open → the customer's message is in the transcript.
    await page.locator(`[data-testid="conversation-list"] [data-sid="${sid}"]`).click();
    await message('I want to talk to a human', 'inbound').waitFor();
    await message(HANDOFF_NOTICE, 'outbound').waitFor();
    await waitForStatus('waiting_for_human');
    expect(await testid('send').isDisabled()).toBe(true);

    await testid('takeover').click();
    await waitForStatus('human');
    await page.locator('[data-testid="reply-input"]:enabled').waitFor();

    // The customer writes while a person has the conversation: it is shown, the bot says nothing.
    const before = t.twilio.messagesFor(sid).length;
    await customerWrites('Are you still there?');
    await message('Are you still there?', 'inbound').waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    expect(t.twilio.messagesFor(sid)).toHaveLength(before);

    const reply = 'Hi, this is Dana. Your parcel left our warehouse this morning.';
    await testid('reply-input').fill(reply);
    await testid('send').click();
    const afterReply = await t.twilio.waitForMessages(before + 1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(afterReply.at(-1)!.body).toBe(reply);
    expect(await message(reply, 'outbound').locator('.message-author').textContent()).toBe('Dana');
    await page.waitForFunction(`document.querySelector('[data-testid="reply-input"]').value === ''`);
    expect(t.twilio.messagesFor(sid)).toHaveLength(before + 1);

    await testid('handback').click();
    await waitForStatus('bot');
    expect(await testid('send').isDisabled()).toBe(true);
    await customerWrites('Thanks! Which day will it arrive?');
    const afterHandback = await t.twilio.waitForMessages(before + 2, { conversationSid: sid, timeoutMs: 20_000 });
    expect(afterHandback.at(-1)!.body).toBe('Echo: Thanks! Which day will it arrive?');
    expect(await message('Echo: Thanks! Which day will it arrive?', 'outbound').locator('.message-author').textContent()).toBe('Bot');
  }, 120_000);

  test('customer text is shown as text, never run as HTML', async () => {
    await customerWrites(XSS);
    await message(XSS, 'inbound').waitFor();
    await message(`Echo: ${XSS}`, 'outbound').waitFor();
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('[data-testid="transcript"] img, [data-testid="conversation-list"] img').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  test('a screenshot of the console is a real PNG', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'console-')), 'console.png');
    await page.screenshot({ path });
    const bytes = await readFile(path);
    expect(bytes.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect((await stat(path)).size).toBeGreaterThan(10_000);
    console.log(`agent console screenshot: ${path}`);
    if (process.env.UPDATE_SCREENSHOT === '1') await copyFile(path, join(__dirname, '..', 'docs', 'console.png'));
  });

  test('close ends the conversation; sign out forgets the key', async () => {
    await testid('close').click();
    await waitForStatus('closed');
    expect(await testid('takeover').isDisabled()).toBe(true);

    await testid('sign-out').click();
    await testid('key-input').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.reload();
    expect(await testid('key-input').isVisible()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
