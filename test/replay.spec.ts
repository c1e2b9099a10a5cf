import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';

/**
 * Replays committed histories of real runs against today's workflow code. A change that would break
 * conversations already running in production (a non-deterministic change) fails here.
 * Histories are recorded by `RECORD_HISTORIES=1 npm run test:jest -- test/workflows.spec.ts test/handoff-workflow.spec.ts
 * test/message-policies-workflow.spec.ts` and the skills' specs (agent-skills, menu-mode, agent-returns,
 * order-workflow, appointment-workflow, follow-up-workflow).
 */
const recorded: Record<string, string> = {
  // Turns as child workflows (before the `inline-turns` patch): conversations started then must still replay.
  'conversation-burst.json': 'conversation:integration-1:CH-burst',
  'conversation-continue-as-new.json': 'conversation:integration-1:CH-dedupe',
  'conversation-handoff.json': 'conversation:integration-1:CH-handoff-full',
  'turn-burst.json': 'conversation:integration-1:CH-burst:turn-1',
  // Turns inline, their database and model calls as local activities.
  'conversation-inline-burst.json': 'conversation:integration-1:CH-burst',
  'conversation-inline-continue-as-new.json': 'conversation:integration-1:CH-dedupe',
  // Escalation, take over, agent message, hand back, close and reopen: updates, SLA state, alerts.
  'conversation-inline-handoff.json': 'conversation:integration-1:CH-handoff-full',
  // Message policies: the model call as an activity (`llm-as-activity` patch), the holding-message
  // timer fired during a slow reply and cancelled for a fast one.
  'conversation-policies-holding.json': 'conversation:integration-1:CH-holding',
  // The agent with tools (`agent-tools` patch): search, create_order's summary, the YES that places the
  // order and starts its workflow; and menu mode without a model, through every skill.
  'conversation-agent-order.json': 'conversation:0a69aa75-7523-40bc-bbaa-e45bc172deed:CH9459cebf39e2494ba63a8ece75d1c8d5',
  'conversation-menu.json': 'conversation:3b9b53ff-5eb6-41f5-a3f4-3657a4868cd7:CH574f56cb74fb4ea1b423d07a0d706b68',
  // The business processes: an order paid, an order cancelled unpaid (timers, reminder), an appointment
  // moved (signal, timers recomputed), a return moved on by staff (updates).
  'order-paid.json': 'order:1001',
  'order-unpaid.json': 'order:1001',
  'appointment-rescheduled.json': 'appointment:1343e4de-a56d-4eb6-9049-19626f52c471',
  'return-refunded.json': 'return:0ebc0612-660c-47f7-931e-895323d1d885',
  // Events (`events` patch): an order paid that publishes order.paid (event-webhooks e2e spec); a webhook
  // delivery refused with 410 and marked failed.
  'order-paid-events.json': 'order:6187350',
  'webhook-delivery-failed.json': 'webhook-delivery:77420a04-54d4-40c3-bd02-9f885c0fa09a',
  // A follow-up due in the customer's quiet hours: its timer, the read, the wait until morning, the send.
  'follow-up-quiet-hours.json': 'follow-up:69955a8b-61b4-4a8e-8ee7-cf16c0770ebe',
  // A custom HTTP tool (`custom-tools` patch): its write summary through previewHttpToolAction, the YES that runs `tool.http`.
  'conversation-http-tool.json': 'conversation:af5062e7-2c98-4a86-92dc-211e4fe3d8f9:CHca43011232394fb7a42ad8f9cf3f3d0d',
  // A campaign paused mid-send (sends deferred), a recipient's STOP, resumed and completed (campaigns e2e spec).
  'campaign-paused-resumed.json': 'campaign:48d8db6e-71a3-4022-a936-4bbe2b068455',
  // An automation run: its 3-day timer, the rule read again when due, a tag and a template on the sends queue (automation-workflow spec).
  'automation-run-delayed.json': 'automation:6cb97175-6acc-496b-805c-0d985a82efa3:order:43b32de0-337c-4fd7-8928-86e1e2752692:paid',
  // Summaries for staff (`conversation-summaries` patch): one after the hand-off notice, one after the close (conversation-summaries e2e spec).
  'conversation-summaries.json': 'conversation:488b1c33-df2f-4bd8-99bc-3eb8853ab0da:CHe4cddca6340640298178ce95b661a386',
  // The daily digest run by its schedule: computed, published as report.daily, sent to the owner (daily-digest e2e spec).
  'daily-digest.json': 'daily-digest:test-adee8c97-workflow-2026-12-01T06:35:43Z',
  // An alert with staff (`staff-notifications` patch): alert.raised published, an owner and an agent on WhatsApp (staff-notifications e2e spec).
  'alert-staff-notified.json': 'alert:75c46cbe-a55b-466f-b35e-9cf174c05f5d',
  // Data questions: a staff turn with its question workflow (SQL refused and retried, a chart), and a scheduled report.
  'data-question-answered.json': 'conversation:003ec702-a2e2-42ac-97a0-f1a97d996aa8:CHfb33a172cb764bfcb6cd44383e0589b3:turn-1:question',
  'conversation-staff-data.json': 'conversation:003ec702-a2e2-42ac-97a0-f1a97d996aa8:CHfb33a172cb764bfcb6cd44383e0589b3',
  'staff-report-sent.json': 'staff-report:bd993ddd-92d9-43dd-921b-89652016740a-2026-12-01T10:55:54Z',
};

describe('replay of committed workflow histories', () => {
  const dir = join(__dirname, 'histories');
  const bundle = { workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! } };
  const load = (file: string) => historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));

  test('every committed history is listed here with its workflow id', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(recorded).sort());
  });

  test.each(Object.entries(recorded))('%s replays without a determinism error', async (file, workflowId) => {
    await Worker.runReplayHistory(bundle, load(file), workflowId);
  });

  test('a replay that diverges from the history is caught', async () => {
    // Replayed under another conversation's id, the child workflow ids differ from the recorded ones.
    await expect(Worker.runReplayHistory(bundle, load('conversation-burst.json'), 'conversation:integration-1:CH-other')).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
