/**
 * `npm run chat`: talk to the running agent from the terminal, as a WhatsApp customer of the sandbox
 * integration. Each line goes through the real webhook path (a signed `onMessageAdd`, exactly as
 * Twilio sends it) and the agent's replies are read back from the conversation's transcript. Messages
 * a person sends from the agent console show up too, under their name.
 *
 *   npm run chat                       interactive
 *   echo "hello" | npm run chat        one message per input line, then exit
 *   npm run chat -- --phone +15551234567
 *   npm run chat -- --staff            as the business owner, on the demo data: reports and data questions
 *
 * Two lines are read by the chat itself, not sent: `/profile` shows what the business holds about
 * this customer (the CRM profile) and `/timeline` its latest events, both through the admin API.
 */
import { createHash, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import twilio from 'twilio';
import { ConfigError, loadConfig } from '../src/config/config';
import { SANDBOX_ACCOUNT_SID, sandboxAuthToken } from '../src/sandbox/sandbox';
import { resolveLocalSecrets } from '../src/security/local-secrets';

const REPLY_TIMEOUT_MS = 60_000;

interface TranscriptMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  body: string;
  sentBy?: string | null;
  /** A chart sent with the message; in the sandbox, `path` is the PNG on disk. */
  media?: { chartId: string; path?: string }[];
}

/** The number `--staff` chats from, registered as the owner. */
const OWNER_PHONE = '+15550000099';

interface Transcript {
  status: string;
  messages: TranscriptMessage[];
}

async function main(): Promise<void> {
  let config = loadConfig();
  config = { ...config, dataDir: resolve(config.dataDir) };
  if (!config.databaseUrl) config = resolveLocalSecrets(config);
  if (config.twilio.accountSid) throw new Error('The sandbox is off because TWILIO_ACCOUNT_SID is set; chat with the real number on WhatsApp instead.');

  const asStaff = process.argv.includes('--staff');
  const phone = `whatsapp:${argument('--phone') ?? (asStaff ? OWNER_PHONE : '+15550000001')}`.replace('whatsapp:whatsapp:', 'whatsapp:');
  const conversationSid = `CH${createHash('sha256').update(phone).digest('hex').slice(0, 32)}`;
  const apiUrl = `http://127.0.0.1:${config.port}`;
  const authToken = sandboxAuthToken(config.credentialsKey!);
  const seen = new Set((await transcript(apiUrl, config.adminApiKey!, conversationSid)).messages.map((m) => m.id));
  if (asStaff) await becomeOwner(apiUrl, config.adminApiKey!, phone);

  /** Prints replies not shown yet; returns how many, and the conversation's status. */
  const showReplies = async () => {
    const current = await transcript(apiUrl, config.adminApiKey!, conversationSid);
    const fresh = current.messages.filter((m) => !seen.has(m.id));
    fresh.forEach((m) => seen.add(m.id));
    const replies = fresh.filter((m) => m.direction === 'outbound');
    for (const r of replies) {
      console.log(`${r.sentBy?.startsWith('agent:') ? `${r.sentBy.slice('agent:'.length)} (team)` : 'agent'}> ${r.body}`);
      for (const m of r.media ?? []) console.log(`agent> [chart] ${m.path ?? `/api/charts/${m.chartId}/png`}`);
    }
    return { replies: replies.length, status: current.status };
  };

  const send = async (body: string) => {
    const params: Record<string, string> = {
      EventType: 'onMessageAdd',
      AccountSid: SANDBOX_ACCOUNT_SID,
      ChatServiceSid: `IS${'0'.repeat(32)}`,
      ConversationSid: conversationSid,
      ParticipantSid: `MB${conversationSid.slice(2)}`,
      Author: phone,
      Body: body,
      Attributes: '{}',
      Source: 'WHATSAPP',
      RetryCount: '0',
    };
    const webhookPath = '/api/twilio/webhook';
    const signature = twilio.getExpectedTwilioSignature(authToken, config.publicBaseUrl + webhookPath, params);
    const response = await fetch(apiUrl + webhookPath, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, 'i-twilio-idempotency-token': randomUUID() },
      body: new URLSearchParams(params),
    });
    if (response.status === 403 && ((await response.clone().json().catch(() => ({}))) as { error?: string }).error === 'sender_blocked') {
      console.log('(this number is blocked: Twilio would drop the message)');
      return;
    }
    if (response.status !== 200) throw new Error(`The webhook answered ${response.status}: ${await response.text()}`);
    // At the pre-action hook a `body` in the answer replaces the message's text (redaction).
    const answer = (await response.json().catch(() => ({}))) as { body?: string };
    if (answer.body !== undefined) console.log(`(redacted: Twilio stores your message as "${answer.body}")`);
  };

  /** Waits for the reply to a line; while a person owns the conversation there may be none, so not for long. */
  const awaitReplies = async () => {
    const started = Date.now();
    while (Date.now() - started < REPLY_TIMEOUT_MS) {
      const { replies, status } = await showReplies();
      if (replies > 0) return;
      if (status !== 'bot' && Date.now() - started > 3_000) {
        console.log(`(the conversation is ${status === 'human' ? 'with a person' : 'waiting for a person'}; their replies appear here)`);
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    console.log(`(no reply within ${REPLY_TIMEOUT_MS / 1000} s; see the conversation in the Temporal UI)`);
  };

  const interactive = process.stdin.isTTY;
  if (interactive) console.log(`Chatting as ${phone} (conversation ${conversationSid}). Ctrl-D to quit.`);
  const lines = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  if (interactive) lines.setPrompt('you> ');
  if (interactive) lines.prompt();
  // A person's messages from the console arrive whenever they write: keep showing them.
  const watcher = interactive ? setInterval(() => void showReplies().then(({ replies }) => replies > 0 && lines.prompt()).catch(() => undefined), 1_000) : undefined;
  for await (const line of lines) {
    const text = line.trim();
    if (text === '/profile' || text === '/timeline') {
      await showCustomer(apiUrl, config.adminApiKey!, phone, text.slice(1) as 'profile' | 'timeline');
    } else if (text) {
      if (!interactive) console.log(`you> ${text}`);
      await send(text);
      await awaitReplies();
    }
    if (interactive) lines.prompt();
  }
  clearInterval(watcher);
}

async function transcript(apiUrl: string, adminKey: string, conversationSid: string): Promise<Transcript> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}/api/conversations/${conversationSid}`, { headers: { authorization: `Bearer ${adminKey}` } });
  } catch {
    throw new Error(`The agent is not running at ${apiUrl}: start it with \`npm start\` first.`);
  }
  if (response.status === 404) return { status: 'bot', messages: [] };
  if (!response.ok) throw new Error(`Reading the conversation failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as Transcript;
}

/**
 * `--staff`: registers the number as the business owner (once) and loads the demo shop's history
 * (once), so reports and data questions have something to answer from.
 */
async function becomeOwner(apiUrl: string, adminKey: string, phone: string): Promise<void> {
  const post = (path: string, body: unknown) =>
    fetch(`${apiUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const staff = await post('/api/staff', { phone: phone.replace('whatsapp:', ''), name: 'Owner (chat)', role: 'owner' });
  if (staff.status !== 201 && staff.status !== 409) throw new Error(`Registering ${phone} as the owner failed: ${staff.status} ${await staff.text()}`);
  const demo = await post('/api/demo-data', {});
  if (!demo.ok) throw new Error(`Loading the demo data failed: ${demo.status} ${await demo.text()}`);
  const { loaded } = (await demo.json()) as { loaded: boolean };
  console.log(`(you are the owner${loaded ? '; the demo shop\'s history was loaded' : ''}: try "report this week", "help", or a question such as "how many orders last week by city?")`);
}

/** The CRM's view of this customer: their profile, or the latest entries of their timeline. */
async function showCustomer(apiUrl: string, adminKey: string, phone: string, what: 'profile' | 'timeline'): Promise<void> {
  const get = async (path: string) => {
    const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return response.json() as Promise<unknown>;
  };
  const { customers } = (await get(`/api/customers?query=${encodeURIComponent(phone.replace('whatsapp:', ''))}&limit=1`)) as { customers: { id: string }[] };
  if (!customers[0]) return void console.log('(no profile yet: write something first)');
  if (what === 'profile') return void console.log(JSON.stringify(customers[0], null, 2));
  const entries = (await get(`/api/customers/${customers[0].id}/timeline?limit=15`)) as { at: string; kind: string; summary: string }[];
  for (const e of entries.reverse()) console.log(`${e.at.slice(0, 19).replace('T', ' ')}  ${e.kind.padEnd(14)} ${e.summary}`);
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `chat: ${(err as Error).message}`);
  process.exit(1);
});
