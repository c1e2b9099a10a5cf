import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { type ActivityDeps, createActivities } from '../activities';
import { AlertsService } from '../src/alerts/alerts.service';
import { CampaignsService } from '../src/campaigns/campaigns.service';
import { loadConfig } from '../src/config/config';
import { ConversationsService } from '../src/conversations/conversations.service';
import { CustomersService } from '../src/customers/customers.service';
import { EventStore } from '../src/events/event-store.service';
import { openDataSource } from '../src/database/data-source';
import { IntegrationEntity } from '../src/integrations/integration.entity';
import { IntegrationsService } from '../src/integrations/integrations.service';
import { SegmentsService } from '../src/segments/segments.service';
import { TwilioClients } from '../src/twilio/twilio-clients.service';
import { campaignProgressQuery, campaignWorkflowId } from '../workflows/campaign-definitions';
import { seedCustomers } from './support/crm-seed';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startTimeSkippingWorkers } from './support/time-skipping';

const DAY = 24 * 60 * 60_000;

/**
 * A campaign scheduled two days ahead, on the time-skipping server with the real services and a real
 * database (the sandbox integration: sends stay local): nothing goes out before `sendAt`, everything
 * after; and one cancelled while it waits never sends at all.
 */
describe('campaign send time', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let db: DataSource;
  let campaigns: CampaignsService;
  let segments: SegmentsService;
  let integrationId: string;
  let stopWorkers: (() => Promise<void>) | undefined;
  const queue = `campaign-schedule-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    const config = loadConfig({ CREDENTIALS_KEY: randomBytes(32).toString('hex'), ADMIN_API_KEY: 'campaign-schedule-admin-key-0123', NODE_ENV: 'test' });
    const twilio = new TwilioClients(config);
    const integrations = new IntegrationsService(db.getRepository(IntegrationEntity), config, twilio);
    integrationId = (await integrations.ensureDefault()).id;
    campaigns = new CampaignsService(db);
    segments = new SegmentsService(db);
    const activities = createActivities({
      integrations, twilio, campaigns, segments, customers: new CustomersService(db), conversations: new ConversationsService(db), alerts: new AlertsService(db), events: new EventStore(db), config,
    } as unknown as ActivityDeps);
    ({ env, stop: stopWorkers } = await startTimeSkippingWorkers(queue, activities, { sendCampaignMessage: activities.sendCampaignMessage }));
  });
  afterAll(async () => {
    await stopWorkers?.();
    await db?.destroy();
    await database?.drop();
  });

  async function scheduled(tag: string, members: number): Promise<{ id: string; sendAt: number }> {
    await seedCustomers(db, integrationId, Array.from({ length: members }, (_, i) => ({ name: `S${i}`, tags: [tag], consent: 'opted_in' as const })));
    const segment = await segments.create(tag, { all: [{ field: 'tag', op: 'contains', value: tag }] });
    const sendAt = (await env.currentTimeMs()) + 2 * DAY; // the server's clock runs ahead of ours once it has skipped
    const campaign = await campaigns.create({ name: tag, segmentId: segment.id, contentSid: `HX${'e'.repeat(32)}`, variables: { 1: { field: 'name', fallback: '' } }, sendAt: new Date(sendAt).toISOString() });
    return { id: campaign.id, sendAt };
  }

  test('nothing goes out before sendAt; everyone opted in after', async () => {
    const { id, sendAt } = await scheduled(`later-${Date.now()}`, 5);
    const handle = await env.client.workflow.start('campaignWorkflow', { workflowId: campaignWorkflowId(id), taskQueue: queue, args: [{ campaignId: id, sendAt }] });
    await env.sleep(DAY);
    expect(await handle.query(campaignProgressQuery)).toEqual({ status: 'scheduled', handled: 0 });
    expect(await campaigns.figures(id)).toMatchObject({ recipients: 0, sent: 0 });
    expect((await campaigns.get(id)).status).toBe('scheduled');

    expect(await handle.result()).toEqual({ status: 'completed', handled: 5 });
    expect(await campaigns.figures(id)).toMatchObject({ recipients: 5, sent: 5 });
    const messages: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM messages WHERE sent_by = $1`, [`campaign:${id}`]);
    expect(messages[0]!.n).toBe(5);
  });

  test('cancelled while it waits for sendAt: nobody is sent anything', async () => {
    const { id, sendAt } = await scheduled(`cancelled-${Date.now()}`, 3);
    const handle = await env.client.workflow.start('campaignWorkflow', { workflowId: campaignWorkflowId(id), taskQueue: queue, args: [{ campaignId: id, sendAt }] });
    await env.sleep(DAY);
    await handle.signal('cancelCampaign');
    expect(await handle.result()).toEqual({ status: 'cancelled', handled: 0 });
    expect(await campaigns.figures(id)).toMatchObject({ recipients: 0, sent: 0 });
    expect((await campaigns.get(id)).status).toBe('cancelled');
  });
});
