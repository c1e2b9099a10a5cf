import { ConsoleLogger, Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '../config/config';
import { appLogger, formatLine, JsonLogger } from './json-logger';
import { temporalLogger } from './temporal-logger';

const TWILIO_TOKEN = '0123456789abcdef0123456789abcdef';
const SID = `CH${'c3'.repeat(16)}`;
const BODY = 'Hello, my card is 4242 4242 4242 4242 and I live at Calle Mayor 1';

function capture(logMessageBodies = false) {
  const lines: string[] = [];
  const logger = new JsonLogger({ logMessageBodies, write: (l) => lines.push(l) });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('JSON log lines', () => {
  test('one JSON object per line: time, level, context, msg first, then the fields', () => {
    const line = formatLine({ level: 'info', context: 'Webhook', msg: 'accepted', fields: { integrationId: 'i-1' }, time: new Date('2026-03-10T12:00:00Z') }, false);
    expect(line).not.toContain('\n');
    expect(line).toBe('{"time":"2026-03-10T12:00:00.000Z","level":"info","context":"Webhook","msg":"accepted","integrationId":"i-1"}');
  });

  test('Nest’s Logger: context last, an error’s stack, object messages as fields', () => {
    const { logger, parsed } = capture();
    logger.log('Integration updated', 'IntegrationsService');
    logger.error('Send failed', 'Error: boom\n    at x (y.ts:1:2)', 'TwilioActivities');
    logger.warn({ msg: 'Slow model', conversationSid: SID, workflowId: `conversation:i-1:${SID}`, ms: 9000 }, 'Llm');
    expect(parsed()).toEqual([
      expect.objectContaining({ level: 'info', context: 'IntegrationsService', msg: 'Integration updated' }),
      expect.objectContaining({ level: 'error', context: 'TwilioActivities', msg: 'Send failed', stack: expect.stringContaining('at x') }),
      expect.objectContaining({ level: 'warn', context: 'Llm', msg: 'Slow model', conversationSid: SID, workflowId: `conversation:i-1:${SID}`, ms: 9000 }),
    ]);
  });

  test('a conversation and its workflow id mentioned in the text become fields', () => {
    const { logger, parsed } = capture();
    logger.log(`onMessageAdd ${SID} accepted; started conversation:i-1:${SID}`, 'TwilioWebhookService');
    expect(parsed()[0]).toMatchObject({ conversationSid: SID, workflowId: `conversation:i-1:${SID}` });
  });

  test('a fake Twilio token, a bearer header and a message body never appear', () => {
    const { logger, lines } = capture();
    logger.error(`Twilio rejected AC${'a1'.repeat(16)}:${TWILIO_TOKEN}`, undefined, 'Twilio');
    logger.log({ msg: 'Admin call', headers: { authorization: 'Bearer wa_admin_Zm9vYmFyYmF6cXV4cXV1eDEy' } }, 'Http');
    logger.log(`Request with Authorization: Bearer test-admin-key-0123456789`, 'Http');
    logger.log({ msg: 'Inbound', conversationSid: SID, body: BODY }, 'Webhook');
    const all = lines.join('\n');
    for (const secret of [TWILIO_TOKEN, 'wa_admin_Zm9v', 'test-admin-key', 'Calle Mayor', '4242 4242']) expect(all).not.toContain(secret);
    expect(JSON.parse(lines[3]!)).toMatchObject({ conversationSid: SID, body: `[redacted ${BODY.length} chars]` });
  });

  test('LOG_MESSAGE_BODIES=true: the body is written, its card number still redacted', () => {
    const { logger, parsed } = capture(true);
    logger.log({ msg: 'Inbound', body: BODY }, 'Webhook');
    expect(parsed()[0]!.body).toBe('Hello, my card is [card •••• 4242] and I live at Calle Mayor 1');
  });

  test('levels turned off by Nest are not written', () => {
    const { logger, lines } = capture();
    logger.setLogLevels(['error']);
    logger.log('quiet', 'X');
    logger.error('loud', undefined, 'X');
    expect(lines).toHaveLength(1);
  });

  test('a static Logger writes through it once Nest makes it the target', () => {
    const { logger, parsed } = capture();
    Logger.overrideLogger(logger);
    try {
      new Logger('Main').log('API ready');
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }
    expect(parsed()[0]).toMatchObject({ level: 'info', context: 'Main', msg: 'API ready' });
  });
});

describe('Temporal runtime lines', () => {
  const meta = { sdkComponent: 'activity', workflowId: `conversation:i-1:${SID}`, workflowRunId: 'r-1', activityType: 'sendReply', taskToken: 'CiQ2YTg0', namespace: 'default' };

  test('JSON: workflow and activity lines from INFO with their ids as fields; the SDK’s own from WARN', () => {
    const lines: string[] = [];
    const logger = temporalLogger({ logFormat: 'json', logMessageBodies: false }, (l) => lines.push(l));
    logger.info('Reply sent', { ...meta, body: BODY });
    logger.info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' });
    logger.warn('Slow poll', { sdkComponent: 'worker' });
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toEqual([
      expect.objectContaining({ level: 'info', context: 'temporal.activity', msg: 'Reply sent', workflowId: meta.workflowId, runId: 'r-1', activityType: 'sendReply', conversationSid: SID, body: `[redacted ${BODY.length} chars]` }),
      expect.objectContaining({ level: 'warn', context: 'temporal.worker', msg: 'Slow poll' }),
    ]);
    expect(typeof parsed[0]!.time).toBe('string');
    expect(lines[0]).not.toContain('taskToken');
  });

  test('pretty: the SDK’s own logger at WARN, as before', () => {
    expect(temporalLogger({ logFormat: 'pretty', logMessageBodies: false }).level).toBe('WARN');
  });
});

describe('LOG_FORMAT', () => {
  test('JSON by default in production, Nest’s readable lines elsewhere; either can be chosen', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(loadConfig({}).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigError);
    expect(appLogger({ logFormat: 'json', logMessageBodies: false })).toBeInstanceOf(JsonLogger);
    expect(appLogger({ logFormat: 'pretty', logMessageBodies: false })).toBeUndefined();
  });
});
