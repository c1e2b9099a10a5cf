import { messageEvent, newConversationSid, startTestApp, type TestApp } from '../support/test-app';
import { maxPerSecond, report, requirePostgres, sendAll, sleep, tally, WorkerProcess, waitForReplies } from './support';

/**
 * The worker process is SIGKILLed three times while it answers hundreds of conversations, each time
 * with Twilio sends in flight, and started again. Every message must be answered exactly once.
 */
describe('worker killed mid-send', () => {
  let t: TestApp;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    requirePostgres();
    t = await startTestApp({ roles: { api: true, worker: false }, env: { TWILIO_SENDS_PER_SECOND: '100' } });
  });
  afterAll(async () => {
    await worker?.kill();
    await t?.close();
  });

  test('300 conversations, 3 SIGKILLs: all answered, none twice', async () => {
    t.twilio.setDelay(40); // sends take a moment, so kills land while some are in flight
    worker = await WorkerProcess.start(t.env);
    const conversations = Array.from({ length: 300 }, () => newConversationSid());
    const started = Date.now();
    const statuses = sendAll(conversations, 10, async (sid, i) => (await t.webhook(messageEvent({ ConversationSid: sid, Body: `message ${i}` }), { idempotencyToken: `crash-${i}` })).status);

    let kills = 0;
    for (const threshold of [50, 130, 210]) {
      while (t.twilio.messages.length < threshold) await sleep(20);
      await worker.kill();
      kills++;
      worker = await WorkerProcess.start(t.env);
    }
    expect((await statuses).every((s) => s === 200)).toBe(true);
    await waitForReplies(t, conversations, 1, 180_000);
    await sleep(2_000); // time for a late duplicate to show up, if the policy allowed one

    const figures = tally(t, conversations);
    report('worker-sigkill', { sent: conversations.length, ...figures, kills, seconds: Math.round((Date.now() - started) / 1000), maxSendsPerSecond: maxPerSecond(t.twilio.messages.map((m) => m.dateCreated)) });
    expect(figures).toMatchObject({ answered: 300, lost: 0, duplicates: 0, repeatedHolding: 0 });
  });
});
