import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';

/**
 * Turn workflows waiting for a paused integration to be resumed, so the resume can wake each of
 * them (a signal) instead of leaving them to their periodic re-check.
 */
@Injectable()
export class WaitingTurnsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async register(integrationId: string, workflowId: string): Promise<void> {
    await this.db.query(`INSERT INTO waiting_turns (workflow_id, integration_id) VALUES ($1, $2) ON CONFLICT (workflow_id) DO NOTHING`, [workflowId, integrationId]);
  }

  async forIntegration(integrationId: string): Promise<string[]> {
    const rows = await queryRows<{ workflow_id: string }>(this.db, `SELECT workflow_id FROM waiting_turns WHERE integration_id = $1 ORDER BY since`, [integrationId]);
    return rows.map((r) => r.workflow_id);
  }

  async remove(workflowId: string): Promise<void> {
    await this.db.query(`DELETE FROM waiting_turns WHERE workflow_id = $1`, [workflowId]);
  }
}
