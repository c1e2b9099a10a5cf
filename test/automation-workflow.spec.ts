import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import type { ActivityDeps } from '../activities';
import { createAutomationActivities } from '../activities/automation.activities';
import { createFollowUpActivities } from '../activities/follow-up.activities';
import { AlertsService } from '../src/alerts/alerts.service';
import { automationSchema } from '../src/automations/automation-definition';
import { AutomationsService } from '../src/automations/automations.service';
import { startAutomationRuns } from '../src/automations/start-automation-runs';
import type { AppConfig } from '../src/config/config';
import type { OutboundRecord } from '../src/conversations/conversations.service';
import { CustomersService } from '../src/customers/customers.service';
import { openDataSource } from '../src/database/data-source';
import { EventStore } from '../src/events/event-store.service';
import { FollowUpsService } from '../src/follow-ups/follow-ups.service';
import { type AutomationRunResult, automationRunWorkflowId, stopAutomationRunSignal } from '../workflows/automation-definitions';
import { followUpWorkflowId } from '../workflows/skill-definitions';
import { fakeActivities } from './support/fake-activities';
import { recordHistory } from './support/record-history';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startTimeSkippingWorkers } from './support/time-skipping';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const TEMPLATE = `HX${'ab'.repeat(16)}`;

/**
 * Automation runs on the time-skipping server with the real tables: a rule "3 days after an order is
 * paid, tag the customer and send a template" acts after 3 days and not before; an edit or a deletion
 * during the wait cancels the run (by the signal, or by the version check when the signal never
 * came); an unmet `if` skips it; an opted-out customer gets no template; a follow-up it starts is
 * its own workflow.
 */
describe('automation run workflow', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let db: DataSource;
  let automations: AutomationsService;
  let customers: CustomersService;
  let followUps: FollowUpsService;
  let events: EventStore;
  let stopWorkers: (() => Promise<void>) | undefined;
  const queue = `automations-${randomBytes(4).toString('hex')}`;
  const config = { temporal: { taskQueue: queue }, allowPrivateUrls: true, quietHours: null } as unknown as AppConfig;
  const { activities } = fakeActivities();
  const replies: OutboundRecord[] = [];
  const integrationId = randomUUID();
  const ana = randomUUID();
  const optedOut = randomUUID();

  const rule = (body: Record<string, unknown>) => automations.create(automationSchema.parse(body));
  /** Publishes an order.paid for the customer as a workflow would, and starts its runs. */
  async function orderPaid(customerId: string, total = 4200) {
    const id = `order:${randomUUID()}:paid`;
    await events.record({ id, type: 'order.paid', integrationId, customerId, data: { order: { number: '1001', total } } });
    await startAutomationRuns(env.client, config, events, await events.automationRuns(id));
    return id;
  }
  const handle = (automationId: string, eventId: string) => env.client.workflow.getHandle(automationRunWorkflowId(automationId, eventId));
  const runRow = async (automationId: string, eventId: string) => (await automations.runs(automationId)).find((r) => r.eventId === eventId);
  const tags = async (customerId: string) => (await customers.get(customerId)).tags;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    await db.query(
      `INSERT INTO integrations (id, name, kind, account_sid, auth_token_encrypted, phone_number, agent_identity, status, answered_event)
       VALUES ($1, 'Shop', 'sandbox', 'AC-automations', 'x', '+1', 'agent', 'active', 'onMessageAdd')`,
      [integrationId],
    );
    for (const [id, phone, consent] of [[ana, '+34600000001', 'opted_in'], [optedOut, '+34600000002', 'opted_out']] as const) {
      await db.query(`INSERT INTO customers (id, integration_id, phone, name, marketing_consent, last_seen_at) VALUES ($1, $2, $3, 'Ana', $4, now())`, [id, integrationId, `whatsapp:${phone}`, consent]);
      await db.query(`INSERT INTO conversations (id, integration_id, conversation_sid, customer_id, status, last_message_at) VALUES ($1, $2, $3, $4, 'bot', now())`, [randomUUID(), integrationId, `CH-${id}`, id]);
    }
    automations = new AutomationsService(db, config);
    customers = new CustomersService(db);
    followUps = new FollowUpsService(db);
    events = new EventStore(db);
    const alerts = new AlertsService(db);
    const deps = {
      automations, customers, followUps, alerts, config,
      conversations: { recordReply: async (r: OutboundRecord) => void replies.push(r) },
      // The sandbox integration: sends stay local, as they do on a clean clone.
      integrations: { resolveById: async () => ({ integration: { id: integrationId, kind: 'sandbox', status: 'active', agentIdentity: 'agent', templateContentSid: null }, authToken: '' }) },
      policies: { forTurn: async () => ({ messagesPerMinute: 20, throttledReplyIntervalMs: 1000, holdingMessageMs: 0 }) },
    } as unknown as ActivityDeps;
    const automationActivities = createAutomationActivities(deps);
    const raiseAlert: typeof activities.raiseAlert = async (input) => alerts.raise(input.kind, input.message, input.integrationId, input.id);
    ({ env, stop: stopWorkers } = await startTimeSkippingWorkers(queue, { ...activities, ...createFollowUpActivities(deps), ...automationActivities, raiseAlert }, { automationSendTemplate: automationActivities.automationSendTemplate, sendReply: activities.sendReply }));
  });
  afterAll(async () => {
    await stopWorkers?.();
    await db?.destroy();
    await database?.drop();
  });

  test('3 days after an order is paid: tagged and sent the template, not before', async () => {
    const { id } = await rule({
      on: 'order.paid', after: 'P3D',
      then: [{ type: 'add_tag', tag: 'paid-3d' }, { type: 'send_template', contentSid: TEMPLATE, variables: { 1: { field: 'name', fallback: 'there' }, 2: 'order {{order.number}}' } }],
    });
    const started = await env.currentTimeMs();
    const eventId = await orderPaid(ana);

    await env.sleep(2 * DAY + 20 * HOUR);
    expect(await tags(ana)).not.toContain('paid-3d');
    expect(replies.filter((r) => r.sentBy === `automation:${id}`)).toEqual([]);
    expect((await runRow(id, eventId))!.status).toBe('scheduled');

    const result = (await handle(id, eventId).result()) as AutomationRunResult;
    expect(result).toEqual({ status: 'done', detail: { actions: [
      { index: 0, type: 'add_tag', outcome: 'done', detail: 'tagged paid-3d' },
      { index: 1, type: 'send_template', outcome: 'done', detail: expect.stringMatching(/^sent IM/) },
    ] } });
    const closed = (await handle(id, eventId).describe()).closeTime!.getTime();
    expect(Math.abs(closed - started - 3 * DAY)).toBeLessThan(HOUR);
    expect(await tags(ana)).toContain('paid-3d');
    const [change] = await db.query(`SELECT source, actor FROM profile_changes WHERE customer_id = $1 AND field = 'tags' ORDER BY at DESC LIMIT 1`, [ana]);
    expect(change).toEqual({ source: 'system', actor: `automation:${id}` });
    expect(replies.filter((r) => r.sentBy === `automation:${id}`)).toEqual([
      expect.objectContaining({ conversationSid: `CH-${ana}`, idempotencyKey: `${automationRunWorkflowId(id, eventId)}:1`, body: `[automation: template ${TEMPLATE} {"1":"Ana","2":"order 1001"}]` }),
    ]);
    expect(await runRow(id, eventId)).toMatchObject({ status: 'done', finishedAt: expect.any(String), detail: result.detail });
    await recordHistory(handle(id, eventId), 'automation-run-delayed.json');
  });

  test('edited during the wait: the pending run is cancelled, by the signal or when due', async () => {
    const body = { on: 'order.paid', after: 'P2D', then: [{ type: 'add_tag', tag: 'edited' }] };
    const { id } = await rule(body);
    const signalled = await orderPaid(ana);
    const unsignalled = await orderPaid(ana);
    await env.sleep(DAY);
    const { automation, pending } = await automations.replace(id, automationSchema.parse({ ...body, after: 'P1D' }));
    expect(automation.version).toBe(2);
    expect(pending.sort()).toEqual([automationRunWorkflowId(id, signalled), automationRunWorkflowId(id, unsignalled)].sort());
    const before = await env.currentTimeMs();
    await handle(id, signalled).signal(stopAutomationRunSignal, { reason: 'the rule was edited (version 2)' });

    expect(await handle(id, signalled).result()).toEqual({ status: 'cancelled', detail: { reason: 'the rule was edited (version 2)' } });
    expect((await handle(id, signalled).describe()).closeTime!.getTime() - before).toBeLessThan(HOUR);
    // The signal never came (Temporal unreachable for the API): the version check stops it when due.
    expect(await handle(id, unsignalled).result()).toEqual({ status: 'cancelled', detail: { reason: 'the rule was edited (now version 2)' } });
    expect(await tags(ana)).not.toContain('edited');
    expect((await runRow(id, signalled))!.status).toBe('cancelled');
  });

  test('if not met: skipped, by the event data or by the segment; an opted-out customer gets no template', async () => {
    const big = await rule({ on: 'order.paid', if: { event: { all: [{ path: 'order.total', op: 'gte', value: 10000 }] } }, then: [{ type: 'add_tag', tag: 'big-spender' }] });
    const spain = await rule({ on: 'order.paid', if: { segment: { all: [{ field: 'language', op: 'eq', value: 'es' }] } }, then: [{ type: 'add_tag', tag: 'es' }] });
    const eventId = await orderPaid(ana, 4200);
    expect(await handle(big.id, eventId).result()).toEqual({ status: 'skipped', detail: { reason: 'the event does not meet order.total gte 10000' } });
    expect(await handle(spain.id, eventId).result()).toEqual({ status: 'skipped', detail: { reason: "the customer is not in the rule's segment" } });
    expect((await runRow(big.id, eventId))!.status).toBe('skipped');
    expect(await tags(ana)).not.toContain('big-spender');
    await automations.remove(big.id);
    await automations.remove(spain.id);

    const marketing = await rule({ on: 'order.paid', then: [{ type: 'send_template', contentSid: TEMPLATE }, { type: 'add_tag', tag: 'after-template' }] });
    const theirs = await orderPaid(optedOut);
    expect(await handle(marketing.id, theirs).result()).toEqual({ status: 'done', detail: { actions: [
      { index: 0, type: 'send_template', outcome: 'skipped', detail: 'the customer opted out of marketing' },
      { index: 1, type: 'add_tag', outcome: 'done', detail: 'tagged after-template' },
    ] } });
    expect(replies.filter((r) => r.sentBy === `automation:${marketing.id}`)).toEqual([]);
    await automations.remove(marketing.id);
  });

  test('deleted during the wait: the run stops', async () => {
    const { id } = await rule({ on: 'order.paid', after: 'PT6H', then: [{ type: 'add_tag', tag: 'deleted' }] });
    const signalled = await orderPaid(ana);
    const unsignalled = await orderPaid(ana);
    await env.sleep(HOUR);
    expect((await automations.remove(id)).sort()).toEqual([automationRunWorkflowId(id, signalled), automationRunWorkflowId(id, unsignalled)].sort());
    await handle(id, signalled).signal(stopAutomationRunSignal, { reason: 'the rule was deleted' });
    expect(await handle(id, signalled).result()).toEqual({ status: 'cancelled', detail: { reason: 'the rule was deleted' } });
    expect(await handle(id, unsignalled).result()).toEqual({ status: 'cancelled', detail: { reason: 'the rule was deleted' } });
    expect(await tags(ana)).not.toContain('deleted');
  });

  test('a follow-up it starts is its own workflow, with the text filled in', async () => {
    const { id } = await rule({ on: 'order.paid', then: [{ type: 'start_follow_up', in: 'PT2H', audience: 'customer', message: 'Hi {{customer.name}}, how is order {{order.number}}?' }] });
    const eventId = await orderPaid(ana);
    const result = (await handle(id, eventId).result()) as AutomationRunResult;
    expect(result.status).toBe('done');
    const [followUp] = (await followUps.list({ customerId: ana })).filter((f) => f.createdBy === `automation:${id}`);
    expect(followUp).toMatchObject({ audience: 'customer', message: 'Hi Ana, how is order 1001?', conversationSid: `CH-${ana}`, status: 'scheduled' });
    const child = await env.client.workflow.getHandle(followUpWorkflowId(followUp!.id)).describe();
    expect(child.type).toBe('followUpWorkflow');
  });
});
