import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import { behaviourTagsUpdate } from './behaviour-tags';
import { compileSegmentRule, type SegmentRule, SegmentRuleError } from './segment-rule';

export interface Segment {
  id: string;
  name: string;
  rule: SegmentRule;
  createdAt: string;
}

type SegmentRow = { id: string; name: string; rule: SegmentRule; created_at: Date };
const toSegment = (r: SegmentRow): Segment => ({ id: r.id, name: r.name, rule: r.rule, createdAt: new Date(r.created_at).toISOString() });

/** Segments: named rules, checked by compiling them before they are stored. */
@Injectable()
export class SegmentsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Compiles the rule (a 400 naming the bad condition when it does not compile). */
  check(rule: SegmentRule): void {
    try {
      compileSegmentRule(rule, []);
    } catch (err) {
      if (err instanceof SegmentRuleError) throw new BadRequestException({ error: 'invalid_rule', message: err.message });
      throw err;
    }
  }

  async create(name: string, rule: SegmentRule): Promise<Segment> {
    this.check(rule);
    const [row] = await queryRows<SegmentRow>(this.db, `INSERT INTO segments (id, name, rule) VALUES ($1, $2, $3::jsonb) RETURNING id, name, rule, created_at`, [randomUUID(), name, JSON.stringify(rule)]);
    return toSegment(row!);
  }

  async list(): Promise<Segment[]> {
    const rows = await queryRows<SegmentRow>(this.db, `SELECT id, name, rule, created_at FROM segments ORDER BY created_at`);
    return rows.map(toSegment);
  }

  async get(id: string): Promise<Segment> {
    const [r] = await queryRows<SegmentRow>(this.db, `SELECT id, name, rule, created_at FROM segments WHERE id = $1`, [id]);
    if (!r) throw new NotFoundException({ error: 'not_found', message: `No segment ${id}` });
    return toSegment(r);
  }

  /** Recomputes every customer's behaviour tags (see behaviour-tags.ts); returns how many changed. */
  async refreshBehaviourTags(): Promise<number> {
    const { sql, params } = behaviourTagsUpdate();
    return (await queryRows<{ id: string }>(this.db, sql, params)).length;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    const [used] = await queryRows<{ id: string }>(this.db, `SELECT id FROM campaigns WHERE segment_id = $1 LIMIT 1`, [id]);
    if (used) throw new ConflictException({ error: 'segment_in_use', message: `Campaign ${used.id} uses this segment` });
    await this.db.query(`DELETE FROM segments WHERE id = $1`, [id]);
  }
}
