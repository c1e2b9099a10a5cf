import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import twilio from 'twilio';
import { DataSource } from 'typeorm';
import { type RunningApp, startApp } from '../../src/bootstrap';
import type { ProcessRoles } from '../../src/app.module';
import { type AppConfig, loadConfig } from '../../src/config/config';
import { OpenAIEmulator } from '../emulators/openai-emulator';
import { TwilioEmulator } from '../emulators/twilio-emulator';
import { createTestDatabase, type TestDatabase } from './test-database';

export const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
export const AUTH_TOKEN = 'token-current-0123456789';
export const BUSINESS_NUMBER = '+14155238886';
export const PUBLIC_BASE_URL = 'https://agent.example.test';
export const ADMIN_KEY = 'test-admin-key-0123456789';

export interface TestApp {
  app: RunningApp;
  config: AppConfig;
  /** The environment the app was configured from, for processes started beside it. */
  env: Record<string, string>;
  url: string;
  twilio: TwilioEmulator;
  openai: OpenAIEmulator;
  database: TestDatabase;
  temporal: Client;
  db: DataSource;
  integrationId: string;
  /** Posts a webhook signed as Twilio signs it (or with the given signature). */
  webhook(params: Record<string, string>, opts?: { signature?: string | null; authToken?: string; idempotencyToken?: string; url?: string }): Promise<Response>;
  /** Calls the admin API with the admin key (or the given one). */
  api(method: string, path: string, body?: unknown, key?: string | null): Promise<Response>;
  close(): Promise<void>;
}

/** The whole application against real Temporal and a real database; Twilio and OpenAI emulated at HTTP. */
export async function startTestApp(opts: { roles?: ProcessRoles; env?: Record<string, string> } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const twilioEmulator = await TwilioEmulator.start();
  twilioEmulator.addAccount(ACCOUNT_SID, AUTH_TOKEN);
  const openai = await OpenAIEmulator.start();
  const env: Record<string, string | undefined> = {
    PORT: '0',
    PUBLIC_BASE_URL,
    DATA_DIR: database.dataDir,
    DATABASE_URL: database.databaseUrl,
    TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    OPENAI_API_KEY: openai.apiKey,
    OPENAI_BASE_URL: openai.baseUrl,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: BUSINESS_NUMBER,
    TWILIO_API_BASE_URL: twilioEmulator.baseUrl,
    ADMIN_API_KEY: ADMIN_KEY,
    CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    COALESCE_WINDOW_MS: '0',
    REDELIVERY_INTERVAL_MS: '200',
    // A suite running across the digest's hour would get a digest nobody asked for; the digest's own spec turns it on.
    DAILY_DIGEST_TIME: 'off',
    ...opts.env,
  };
  const config = loadConfig(env);
  const app = await startApp(config, opts.roles ?? { api: true, worker: true }, { workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, logger: false });
  const db = app.context.get(DataSource);
  const [integration] = await db.query(`SELECT id FROM integrations WHERE account_sid = $1`, [ACCOUNT_SID]);
  // Every suite shares one Temporal server but has its own database: distinct order numbers keep
  // their workflow ids (order:<number>) apart, as they are within one deployment.
  await db.query(`ALTER SEQUENCE order_numbers RESTART WITH ${1001 + Math.floor(Math.random() * 9_000_000)}`);
  const connection = Connection.lazy({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const url = app.url ?? '';

  return {
    app, config, url, twilio: twilioEmulator,
    env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)), openai, database, temporal, db,
    integrationId: integration?.id,
    async webhook(params, o = {}) {
      const path = '/api/twilio/webhook';
      const signature = o.signature === undefined ? twilio.getExpectedTwilioSignature(o.authToken ?? AUTH_TOKEN, (o.url ?? PUBLIC_BASE_URL) + path, params) : o.signature;
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (signature !== null) headers['x-twilio-signature'] = signature;
      if (o.idempotencyToken) headers['i-twilio-idempotency-token'] = o.idempotencyToken;
      return fetch(url + path, { method: 'POST', headers, body: new URLSearchParams(params) });
    },
    async api(method, path, body, key) {
      const headers: Record<string, string> = {};
      if (key !== null) headers.authorization = `Bearer ${key ?? ADMIN_KEY}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    },
    async close() {
      await app.close();
      await connection.close();
      await twilioEmulator.close();
      await openai.close();
      await database.drop();
    },
  };
}

/** A customer message event as Twilio posts it to the pre-action webhook. */
export function messageEvent(overrides: Partial<Record<string, string>> & { ConversationSid: string }): Record<string, string> {
  const event: Record<string, string | undefined> = {
    EventType: 'onMessageAdd',
    AccountSid: ACCOUNT_SID,
    ChatServiceSid: `IS${'c3'.repeat(16)}`,
    ParticipantSid: `MB${'d4'.repeat(16)}`,
    Author: 'whatsapp:+4915112345678',
    Body: 'Hello, are you open on Sunday?',
    Attributes: '{}',
    Source: 'WHATSAPP',
    RetryCount: '0',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(event).filter((e): e is [string, string] => e[1] !== undefined));
}

export const newConversationSid = () => `CH${randomUUID().replace(/-/g, '')}`;
