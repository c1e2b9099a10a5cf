import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ConversationEntity } from '../conversations/conversation.entity';
import { CustomerEntity } from '../conversations/customer.entity';
import { MessageEntity } from '../conversations/message.entity';
import { ApiKeyEntity } from '../auth/api-key.entity';
import { HandoffEventEntity } from '../conversations/handoff-event.entity';
import { InboxEventEntity } from '../inbox/inbox-event.entity';
import { IntegrationEntity } from '../integrations/integration.entity';
import { InitialSchema1764115200000 } from './migrations/1764115200000-initial-schema';
import { FailurePolicies1764201600000 } from './migrations/1764201600000-failure-policies';
import { HumanHandoff1764288000000 } from './migrations/1764288000000-human-handoff';
import { MessagePolicies1764374400000 } from './migrations/1764374400000-message-policies';
import { BusinessSkills1764460800000 } from './migrations/1764460800000-business-skills';
import { Crm1764547200000 } from './migrations/1764547200000-crm';
import { EventWebhooks1764547300000 } from './migrations/1764547300000-event-webhooks';
import { HttpTools1764547400000 } from './migrations/1764547400000-http-tools';
import { FollowUps1764547500000 } from './migrations/1764547500000-follow-ups';
import { Staff1764633600000 } from './migrations/1764633600000-staff';
import { Automations1764633700000 } from './migrations/1764633700000-automations';
import { Reports1764633800000 } from './migrations/1764633800000-reports';
import { McpServers1764633900000 } from './migrations/1764633900000-mcp-servers';
import { DeliveryReceipts1764720000000 } from './migrations/1764720000000-delivery-receipts';
import { AuditLog1764720100000 } from './migrations/1764720100000-audit-log';
import { DataIntelligence1764806400000 } from './migrations/1764806400000-data-intelligence';
import { Operations1764720200000 } from './migrations/1764720200000-operations';
import { pgliteDriver } from './pglite-pool';

export const entities = [IntegrationEntity, CustomerEntity, ConversationEntity, MessageEntity, InboxEventEntity, ApiKeyEntity, HandoffEventEntity];
export const migrations = [InitialSchema1764115200000, FailurePolicies1764201600000, HumanHandoff1764288000000, MessagePolicies1764374400000, BusinessSkills1764460800000, Crm1764547200000, EventWebhooks1764547300000, HttpTools1764547400000, FollowUps1764547500000, Staff1764633600000, Automations1764633700000, Reports1764633800000, McpServers1764633900000, DeliveryReceipts1764720000000, AuditLog1764720100000, Operations1764720200000, DataIntelligence1764806400000];

/** An arbitrary constant naming the advisory lock that keeps concurrent boots from migrating twice. */
const MIGRATION_LOCK = 7_204_117;

/**
 * PostgreSQL when `databaseUrl` is given, otherwise an embedded PGlite database under `dataDir`.
 * Both run the same migrations; the schema is never synchronized from the entities.
 */
export async function openDataSource(opts: { databaseUrl?: string; dataDir: string }): Promise<DataSource> {
  const common = { type: 'postgres', entities, migrations, synchronize: false, migrationsRun: false } as const;
  let options: DataSourceOptions;
  if (opts.databaseUrl) {
    options = { ...common, url: opts.databaseUrl, poolSize: 10, applicationName: 'whatsapp-agent' };
  } else {
    const dataDir = join(opts.dataDir, 'pglite');
    mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create({ dataDir });
    options = { ...common, driver: pgliteDriver(db) };
  }
  const dataSource = await new DataSource(options).initialize();
  if (opts.databaseUrl) await migrateLocked(dataSource);
  else await dataSource.runMigrations({ transaction: 'each' }); // the embedded database has one process
  return dataSource;
}

/** Migrates under an advisory lock, so api and worker replicas booting together migrate once. */
async function migrateLocked(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    await runner.release();
  }
}
