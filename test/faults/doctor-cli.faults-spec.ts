import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTwilioClient } from '../../src/twilio/twilio-client.factory';
import { ACCOUNT_SID, AUTH_TOKEN, startTestApp, type TestApp } from '../support/test-app';
import { requirePostgres } from './support';

const DOCTOR = join(__dirname, '..', '..', 'dist', 'scripts', 'doctor.js');

/**
 * `npm run doctor` as the built command (this suite runs the build): against a healthy deployment it
 * prints every check and exits 0; with the webhook pointed elsewhere in Twilio it names that check
 * and exits 1. It never prints a secret.
 */
describe('npm run doctor (the built command)', () => {
  let t: TestApp;

  beforeAll(async () => {
    requirePostgres();
    t = await startTestApp();
    expect((await t.api('PATCH', `/api/integrations/${t.integrationId}`, { configureWebhook: true })).status).toBe(200);
  });
  afterAll(() => t?.close());

  const doctor = () => run(process.execPath, [DOCTOR], { ...process.env, ...t.env, PORT: new URL(t.url).port });

  test('exits 0 on a healthy deployment and 1 naming the broken webhook', async () => {
    const healthy = await doctor();
    expect(healthy.stdout).toContain('checked from this process');
    expect(healthy.stdout).toMatch(/^✓ Twilio webhook configured \(Default\)/m);
    expect(healthy.stdout).toMatch(/^✓ Database migrations current/m);
    for (const secret of [AUTH_TOKEN, t.env.CREDENTIALS_KEY!, t.env.ADMIN_API_KEY!]) expect(healthy.stdout + healthy.stderr).not.toContain(secret);
    expect(healthy.code).toBe(0);

    await createTwilioClient(ACCOUNT_SID, AUTH_TOKEN, t.twilio.baseUrl).conversations.v1.configuration.webhooks().update({ preWebhookUrl: 'https://old-host.example.test/hooks/twilio' });
    const broken = await doctor();
    expect(broken.stdout).toMatch(/^✗ Twilio webhook configured \(Default\)\s+The pre-webhook URL is https:\/\/old-host/m);
    expect(broken.code).toBe(1);
  });
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
