import { ConfigError, loadConfig } from './config';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('configuration', () => {
  test('defaults follow the contract', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.dataDir).toBe('./.data');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.temporal).toEqual({ address: undefined, namespace: 'default', uiPort: 8233, uiUrl: 'http://localhost:8233', cliPath: undefined, taskQueue: 'whatsapp-agent', apiKey: undefined });
    expect(config.handoff).toEqual({ slaMs: 5 * 60_000, reminderMs: 30 * 60_000, maxReminders: 3 });
    expect(config.logMessageBodies).toBe(false);
    expect(config.demoData).toBe(true);
  });

  test('DEMO_DATA=false turns the demo shop off', () => {
    expect(loadConfig({ DEMO_DATA: 'false' }).demoData).toBe(false);
    expect(problemsOf({ DEMO_DATA: 'maybe' })).toEqual(['DEMO_DATA must be true or false']);
  });

  test('PUBLIC_BASE_URL follows PORT and loses a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://agent.example.com/' }).publicBaseUrl).toBe('https://agent.example.com');
  });

  test('each invalid value is reported with its variable name and what is wrong', () => {
    expect(problemsOf({ PORT: 'eighty', TEMPORAL_ADDRESS: 'http://x', CREDENTIALS_KEY: 'short', LOG_MESSAGE_BODIES: 'maybe', PUBLIC_BASE_URL: 'not a url' })).toEqual(
      expect.arrayContaining([
        'PORT must be a number',
        'TEMPORAL_ADDRESS must be host:port',
        'CREDENTIALS_KEY must be 64 hex characters (32 bytes)',
        'LOG_MESSAGE_BODIES must be true or false',
        'PUBLIC_BASE_URL must be an absolute URL',
      ]),
    );
  });

  test('TWILIO_* come together', () => {
    expect(problemsOf({ TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` })).toEqual([
      'TWILIO_AUTH_TOKEN is required when TWILIO_ACCOUNT_SID is set',
      'TWILIO_PHONE_NUMBER is required when TWILIO_ACCOUNT_SID is set',
    ]);
    expect(problemsOf({ TWILIO_ACCOUNT_SID: 'XX1', TWILIO_AUTH_TOKEN: 't', TWILIO_PHONE_NUMBER: '+14155238886' })).toEqual(['TWILIO_ACCOUNT_SID must be AC followed by 32 hex characters']);
  });

  test('with DATABASE_URL, the keys that are otherwise generated into DATA_DIR are required', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://db/agent' })).toEqual([
      expect.stringMatching(/^CREDENTIALS_KEY is required when DATABASE_URL is set/),
      expect.stringMatching(/^ADMIN_API_KEY is required when DATABASE_URL is set/),
    ]);
    expect(problemsOf({ DATABASE_URL: 'mysql://db' })[0]).toBe('DATABASE_URL must be a postgres:// or postgresql:// URL');
  });

  test('message policy defaults come from the environment', () => {
    expect(loadConfig({}).policyDefaults).toEqual({
      redaction: { cards: true, patterns: [] },
      limits: { customerMessagesPerMinute: 20, throttledReplyIntervalSeconds: 30, customerDailyTokens: 100_000, integrationDailyTokens: 5_000_000 },
      holdingMessageSeconds: 8,
      businessHours: null,
    });
    const custom = loadConfig({ REDACT_CARD_NUMBERS: 'false', CUSTOMER_MESSAGES_PER_MINUTE: '5', CUSTOMER_DAILY_TOKENS: '0', HOLDING_MESSAGE_SECONDS: '0' }).policyDefaults;
    expect(custom).toMatchObject({ redaction: { cards: false }, limits: { customerMessagesPerMinute: 5, customerDailyTokens: 0 }, holdingMessageSeconds: 0 });
    expect(problemsOf({ CUSTOMER_MESSAGES_PER_MINUTE: '0', HOLDING_MESSAGE_SECONDS: 'soon' })).toEqual([
      'CUSTOMER_MESSAGES_PER_MINUTE must be at least 1',
      'HOLDING_MESSAGE_SECONDS must be a number',
    ]);
  });

  test('empty values count as unset', () => {
    expect(loadConfig({ PORT: '', OPENAI_API_KEY: '  ' })).toMatchObject({ port: 3000, openai: { apiKey: undefined } });
  });
});
