import { randomUUID } from 'node:crypto';
import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../common/tokens';
import type { AppConfig } from '../config/config';
import { queryRows } from '../database/sql';
import { CredentialsCipher } from '../security/credentials-cipher';
import { assertPublicUrl, OutboundUrlError } from '../security/outbound-url';
import { CUSTOMER_FACTS, compileSegmentRule, type SegmentRule, SegmentRuleError } from '../segments/segment-rule';
import { type AutomationRunDetail, type AutomationRunStatus, automationRunWorkflowId } from '../../workflows/automation-definitions';
import type { AutomationInput, StoredAction, StoredDefinition } from './automation-definition';

/** A rule as the API shows it: a webhook's secret never, only whether there is one. */
export interface Automation {
  id: string;
  name: string | null;
  on: string;
  if?: StoredDefinition['if'];
  after?: string;
  then: (Exclude<StoredAction, { type: 'call_webhook' }> | { type: 'call_webhook'; url: string; hasSecret: boolean })[];
  enabled: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface AutomationRun {
  id: string;
  eventId: string;
  version: number;
  status: AutomationRunStatus;
  detail: AutomationRunDetail | null;
  workflowId: string;
  createdAt: string;
  finishedAt: string | null;
}

type Row = { id: string; name: string | null; definition: StoredDefinition; version: number; enabled: boolean; created_at: Date; updated_at: Date };
type RunRow = { id: string; automation_id: string; event_id: string; version: number; status: AutomationRunStatus; detail: AutomationRunDetail | null; created_at: Date; finished_at: Date | null };

const toAutomation = (r: Row): Automation => ({
  id: r.id, name: r.name, on: r.definition.on, ...(r.definition.if ? { if: r.definition.if } : {}), ...(r.definition.after ? { after: r.definition.after } : {}),
  then: r.definition.then.map((a) => (a.type === 'call_webhook' ? { type: a.type, url: a.url, hasSecret: !!a.secretEncrypted } : a)),
  enabled: r.enabled, version: r.version, createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString(),
});
const toRun = (r: RunRow): AutomationRun => ({
  id: r.id, eventId: r.event_id, version: r.version, status: r.status, detail: r.detail, workflowId: automationRunWorkflowId(r.automation_id, r.event_id),
  createdAt: new Date(r.created_at).toISOString(), finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
});

/**
 * Automation rules and their runs. A rule's definition is data checked on the way in (its segment
 * compiles, its webhook URLs pass the SSRF guard); an edit bumps its version, which is how a run
 * recorded under the old one knows to stop.
 */
@Injectable()
export class AutomationsService {
  private readonly cipher?: CredentialsCipher;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    if (config.credentialsKey) this.cipher = new CredentialsCipher(config.credentialsKey);
  }

  async create(input: AutomationInput): Promise<Automation> {
    const definition = await this.prepare(input);
    const [row] = await queryRows<Row>(this.db,
      `INSERT INTO automations (id, name, on_event, definition, enabled) VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING *`,
      [randomUUID(), input.name ?? null, input.on, JSON.stringify(definition), input.enabled]);
    return toAutomation(row!);
  }

  /** Replaces the rule and bumps its version; answers the runs of older versions still pending, for the caller to stop. */
  async replace(id: string, input: AutomationInput): Promise<{ automation: Automation; pending: string[] }> {
    const definition = await this.prepare(input);
    const [row] = await queryRows<Row>(this.db,
      `UPDATE automations SET name = $2, on_event = $3, definition = $4::jsonb, enabled = $5, version = version + 1, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, input.name ?? null, input.on, JSON.stringify(definition), input.enabled]);
    if (!row) throw new NotFoundException({ error: 'not_found', message: `No automation ${id}` });
    return { automation: toAutomation(row), pending: await this.pendingRuns(id, row.version) };
  }

  /** Deletes the rule (its runs' records with it); answers the workflow ids of its pending runs, for the caller to stop. */
  async remove(id: string): Promise<string[]> {
    const pending = await this.pendingRuns(id);
    const deleted = await queryRows<{ id: string }>(this.db, `DELETE FROM automations WHERE id = $1 RETURNING id`, [id]);
    if (deleted.length === 0) throw new NotFoundException({ error: 'not_found', message: `No automation ${id}` });
    return pending;
  }

  async list(): Promise<Automation[]> {
    return (await queryRows<Row>(this.db, `SELECT * FROM automations ORDER BY created_at DESC LIMIT 500`)).map(toAutomation);
  }

  async get(id: string): Promise<Automation> {
    const row = await this.row(id);
    if (!row) throw new NotFoundException({ error: 'not_found', message: `No automation ${id}` });
    return toAutomation(row);
  }

  /** The latest runs, newest first. */
  async runs(id: string, limit = 50): Promise<AutomationRun[]> {
    return (await queryRows<RunRow>(this.db, `SELECT * FROM automation_runs WHERE automation_id = $1 ORDER BY created_at DESC LIMIT $2`, [id, limit])).map(toRun);
  }

  /** The rule as stored (secrets still encrypted), for a run that is due; undefined once deleted. */
  async definition(id: string): Promise<{ version: number; enabled: boolean; definition: StoredDefinition } | undefined> {
    const row = await this.row(id);
    return row && { version: row.version, enabled: row.enabled, definition: row.definition };
  }

  /** Whether the customer is in the segment now (an erased customer never is). */
  async customerMatches(customerId: string, rule: SegmentRule): Promise<boolean> {
    const params: unknown[] = [];
    const condition = compileSegmentRule(rule, params);
    const rows = await queryRows<{ one: number }>(this.db, `SELECT 1 AS one ${CUSTOMER_FACTS} AND c.id = $${params.push(customerId)} AND ${condition}`, params);
    return rows.length > 0;
  }

  /** Moves a run on; a finished run stays as it ended. */
  async setRunStatus(automationId: string, eventId: string, status: AutomationRunStatus, detail?: AutomationRunDetail): Promise<void> {
    await this.db.query(
      `UPDATE automation_runs SET status = $3, detail = COALESCE($4::jsonb, detail),
         finished_at = CASE WHEN $3 IN ('done', 'skipped', 'cancelled', 'failed') THEN now() ELSE NULL END
       WHERE automation_id = $1 AND event_id = $2 AND status IN ('scheduled', 'running')`,
      [automationId, eventId, status, detail === undefined ? null : JSON.stringify(detail)]);
  }

  /** The event a run acts on, as stored (webhook receivers get `{ id, type, createdAt, data }`). */
  async event(id: string): Promise<{ id: string; type: string; createdAt: string; integrationId: string | null; customerId: string | null; data: Record<string, unknown> } | undefined> {
    const [row] = await queryRows<{ id: string; type: string; created_at: Date; integration_id: string | null; customer_id: string | null; data: Record<string, unknown> }>(this.db,
      `SELECT id, type, created_at, integration_id, customer_id, data FROM events WHERE id = $1`, [id]);
    return row && { id: row.id, type: row.type, createdAt: new Date(row.created_at).toISOString(), integrationId: row.integration_id, customerId: row.customer_id, data: row.data };
  }

  /** The customer's latest conversation: where a message about the event goes. */
  async latestConversation(customerId: string): Promise<{ integrationId: string; conversationSid: string } | undefined> {
    const [row] = await queryRows<{ integration_id: string; conversation_sid: string }>(this.db,
      `SELECT integration_id, conversation_sid FROM conversations WHERE customer_id = $1 ORDER BY last_message_at DESC NULLS LAST LIMIT 1`, [customerId]);
    return row && { integrationId: row.integration_id, conversationSid: row.conversation_sid };
  }

  decryptSecret(stored: string): string {
    if (!this.cipher) throw new Error('CREDENTIALS_KEY is not set');
    return this.cipher.decrypt(stored);
  }

  /** Runs not finished, recorded under a version before `beforeVersion` (all when absent). */
  private async pendingRuns(id: string, beforeVersion?: number): Promise<string[]> {
    const rows = await queryRows<{ event_id: string }>(this.db,
      `SELECT event_id FROM automation_runs WHERE automation_id = $1 AND status IN ('scheduled', 'running') AND ($2::int IS NULL OR version < $2::int)`, [id, beforeVersion ?? null]);
    return rows.map((r) => automationRunWorkflowId(id, r.event_id));
  }

  private async row(id: string): Promise<Row | undefined> {
    const [row] = await queryRows<Row>(this.db, `SELECT * FROM automations WHERE id = $1`, [id]);
    return row;
  }

  /** Checks what the schema cannot (the segment compiles, URLs are allowed) and encrypts webhook secrets. */
  private async prepare(input: AutomationInput): Promise<StoredDefinition> {
    const problems: { field: string; message: string }[] = [];
    if (input.if?.segment) {
      try {
        compileSegmentRule(input.if.segment, []);
      } catch (err) {
        if (!(err instanceof SegmentRuleError)) throw err;
        problems.push({ field: 'if.segment', message: err.message });
      }
    }
    const then: StoredAction[] = [];
    for (const [i, action] of input.then.entries()) {
      if (action.type !== 'call_webhook') {
        then.push(action);
        continue;
      }
      try {
        await assertPublicUrl(action.url, { allowPrivate: this.config.allowPrivateUrls });
      } catch (err) {
        if (!(err instanceof OutboundUrlError)) throw err;
        problems.push({ field: `then.${i}.url`, message: err.message });
      }
      if (action.secret && !this.cipher) problems.push({ field: `then.${i}.secret`, message: 'secrets need CREDENTIALS_KEY to be stored encrypted' });
      then.push({ type: 'call_webhook', url: action.url, ...(action.secret && this.cipher ? { secretEncrypted: this.cipher.encrypt(action.secret) } : {}) });
    }
    if (problems.length > 0) throw new BadRequestException({ error: 'invalid_request', problems });
    return { on: input.on, ...(input.if ? { if: input.if } : {}), ...(input.after ? { after: input.after } : {}), then };
  }
}
