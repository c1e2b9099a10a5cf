/**
 * `npm run chat`: talk to the running agent from the terminal, as a WhatsApp customer of the sandbox
 * integration. Each line goes through the real webhook path (a signed `onMessageAdd`, exactly as
 * Twilio sends it) and the agent's replies are read back from the conversation's transcript.
 *
 *   npm run chat                       interactive
 *   echo "hello" | npm run chat        one message per input line, then exit
 *   npm run chat -- --phone +15551234567
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
}

async function main(): Promise<void> {
  let config = loadConfig();
  config = { ...config, dataDir: resolve(config.dataDir) };
  if (!config.databaseUrl) config = resolveLocalSecrets(config);
  if (config.twilio.accountSid) throw new Error('The sandbox is off because TWILIO_ACCOUNT_SID is set; chat with the real number on WhatsApp instead.');

  const phone = `whatsapp:${argument('--phone') ?? '+15550000001'}`.replace('whatsapp:whatsapp:', 'whatsapp:');
  const conversationSid = `CH${createHash('sha256').update(phone).digest('hex').slice(0, 32)}`;
  const apiUrl = `http://127.0.0.1:${config.port}`;
  const authToken = sandboxAuthToken(config.credentialsKey!);
  const seen = new Set((await transcript(apiUrl, config.adminApiKey!, conversationSid)).map((m) => m.id));

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
    if (response.status !== 200) throw new Error(`The webhook answered ${response.status}: ${await response.text()}`);
  };

  const awaitReplies = async () => {
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const fresh = (await transcript(apiUrl, config.adminApiKey!, conversationSid)).filter((m) => !seen.has(m.id));
      fresh.forEach((m) => seen.add(m.id));
      const replies = fresh.filter((m) => m.direction === 'outbound');
      if (replies.length > 0) {
        for (const r of replies) console.log(`agent> ${r.body}`);
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
  for await (const line of lines) {
    const text = line.trim();
    if (text) {
      if (!interactive) console.log(`you> ${text}`);
      await send(text);
      await awaitReplies();
    }
    if (interactive) lines.prompt();
  }
}

async function transcript(apiUrl: string, adminKey: string, conversationSid: string): Promise<TranscriptMessage[]> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}/api/conversations/${conversationSid}`, { headers: { authorization: `Bearer ${adminKey}` } });
  } catch {
    throw new Error(`The agent is not running at ${apiUrl}: start it with \`npm start\` first.`);
  }
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Reading the conversation failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { messages: TranscriptMessage[] }).messages;
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `chat: ${(err as Error).message}`);
  process.exit(1);
});
