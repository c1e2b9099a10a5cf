import { randomUUID } from 'node:crypto';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { Refusal } from '../common/refusal';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { containsPattern, queryRows } from '../database/sql';
import { CUSTOMER_FACTS, compileSegmentRule, type SegmentRule } from '../segments/segment-rule';
import { CUSTOMER_COLUMNS, type CustomerProfile, type CustomerRow, diffProfile, MAX_ATTRIBUTES, type ProfilePatch, type Provenance, toProfile } from './profile';

export interface CustomerFilter {
  rule?: SegmentRule;
  tag?: string;
  /** Matches name, phone or email (case-insensitive, part of the text). */
  query?: string;
  limit: number;
  offset: number;
}

/**
 * Customer profiles: read, listed by segment, tag or text, and changed with every change recorded
 * with who made it and from which message. (Erasure: erasure.service.ts.)
 */
@Injectable()
export class CustomersService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async get(id: string, db: Pick<DataSource, 'query'> = this.db): Promise<CustomerProfile> {
    const [row] = await queryRows<CustomerRow>(db, `SELECT ${CUSTOMER_COLUMNS} FROM customers c WHERE c.id = $1 AND c.erased_at IS NULL`, [id]);
    if (!row) throw new NotFoundException({ error: 'not_found', message: `No customer ${id}` });
    return toProfile(row);
  }

  async list(filter: CustomerFilter): Promise<{ total: number; customers: CustomerProfile[] }> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.rule) where.push(compileSegmentRule(filter.rule, params));
    if (filter.tag) where.push(`$${params.push(filter.tag)} = ANY(c.tags || c.behaviour_tags)`);
    if (filter.query) {
      const p = `$${params.push(containsPattern(filter.query))}`;
      where.push(`(c.name ILIKE ${p} ESCAPE '\\' OR c.phone ILIKE ${p} ESCAPE '\\' OR c.email ILIKE ${p} ESCAPE '\\')`);
    }
    const condition = where.length ? ` AND ${where.join(' AND ')}` : '';
    const [{ total }] = (await queryRows<{ total: number }>(this.db, `SELECT count(*)::int AS total ${CUSTOMER_FACTS}${condition}`, params)) as [{ total: number }];
    const rows = await queryRows<CustomerRow>(
      this.db,
      `SELECT ${CUSTOMER_COLUMNS} ${CUSTOMER_FACTS}${condition} ORDER BY c.last_seen_at DESC, c.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.limit, filter.offset],
    );
    return { total, customers: rows.map(toProfile) };
  }

  /**
   * Applies a change and records each field that changed, with its provenance, in one transaction
   * (the row locked, so two changes at once never lose one). A change that changes nothing records nothing.
   */
  async update(id: string, patch: ProfilePatch, by: Provenance): Promise<{ profile: CustomerProfile; changed: string[] }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT id FROM customers WHERE id = $1 FOR UPDATE`, [id]);
      const current = await this.get(id, tx);
      const changes = diffProfile(current, patch);
      const attributes = new Set(Object.keys(current.attributes));
      for (const c of changes.filter((c) => c.field.startsWith('attributes.'))) {
        if (c.to === null) attributes.delete(c.field.slice('attributes.'.length));
        else attributes.add(c.field.slice('attributes.'.length));
      }
      if (attributes.size > MAX_ATTRIBUTES) throw new BadRequestException({ error: 'too_many_attributes', message: `A profile holds at most ${MAX_ATTRIBUTES} attributes` });
      if (by.source === 'agent') await this.refuseOverwritingRecords(tx, id, changes.map((c) => c.field));
      for (const change of changes) {
        await this.write(tx, id, change.field, change.to, by);
        await tx.query(
          `INSERT INTO profile_changes (id, integration_id, customer_id, field, old_value, new_value, source, message_id, actor)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9)`,
          [randomUUID(), current.integrationId, id, change.field, JSON.stringify(change.from), JSON.stringify(change.to), by.source, by.messageId ?? null, by.actor ?? null],
        );
      }
      return { profile: await this.get(id, tx), changed: changes.map((c) => c.field) };
    });
  }

  /**
   * What the agent saves comes from the customer's own words: it may not overwrite a field staff or
   * another system (the events API) set last, such as a loyalty tier that segments and campaigns use.
   */
  private async refuseOverwritingRecords(tx: Pick<DataSource, 'query'>, customerId: string, fields: string[]): Promise<void> {
    if (fields.length === 0) return;
    const owned = await queryRows<{ field: string; source: string }>(tx,
      `SELECT DISTINCT ON (field) field, source FROM profile_changes WHERE customer_id = $1 AND field = ANY($2::text[]) ORDER BY field, at DESC`, [customerId, fields]);
    const kept = owned.filter((o) => o.source === 'staff' || o.source === 'api').map((o) => o.field);
    if (kept.length > 0) throw new Refusal(`These are kept by the business and cannot be changed here: ${kept.join(', ')}`, 'field_owned_by_business');
  }

  /** The customer of a conversation's WhatsApp address, as the agent and the keywords see it. */
  async idByPhone(integrationId: string, phone: string): Promise<string | undefined> {
    const [row] = await queryRows<{ id: string }>(this.db, `SELECT id FROM customers WHERE integration_id = $1 AND phone = $2 AND erased_at IS NULL`, [integrationId, phone]);
    return row?.id;
  }

  /** The customer's latest message in a conversation: the source a change the agent makes is recorded with. */
  async latestInboundMessageId(scope: { integrationId: string; conversationSid: string }): Promise<string | null> {
    const [row] = await queryRows<{ id: string }>(this.db,
      `SELECT m.id FROM messages m JOIN conversations cv ON cv.id = m.conversation_id
       WHERE cv.integration_id = $1 AND cv.conversation_sid = $2 AND m.direction = 'inbound' ORDER BY m.at DESC LIMIT 1`,
      [scope.integrationId, scope.conversationSid]);
    return row?.id ?? null;
  }

  /** A consent keyword the customer wrote (its message recorded as the source). True when it changed anything. */
  async setConsentByKeyword(customerId: string, to: 'opted_in' | 'opted_out', keyword: string, message: { integrationId: string; dedupeKey: string }): Promise<boolean> {
    const [source] = await queryRows<{ id: string }>(this.db, `SELECT id FROM messages WHERE integration_id = $1 AND dedupe_key = $2`, [message.integrationId, message.dedupeKey]);
    const { changed } = await this.update(customerId, { consent: to }, { source: 'customer', actor: `keyword:${keyword}`, messageId: source?.id ?? null });
    return changed.length > 0;
  }

  async addNote(customerId: string, body: string, author: string): Promise<{ id: string; at: string }> {
    await this.get(customerId);
    const [row] = await queryRows<{ id: string; at: Date }>(this.db, `INSERT INTO customer_notes (id, customer_id, body, author) VALUES ($1, $2, $3, $4) RETURNING id, at`, [randomUUID(), customerId, body, author]);
    return { id: row!.id, at: new Date(row!.at).toISOString() };
  }

  private async write(tx: Pick<DataSource, 'query'>, id: string, field: string, value: unknown, by: Provenance): Promise<void> {
    const columns: Record<string, string> = { name: 'name', email: 'email', language: 'language', timeZone: 'time_zone', tags: 'tags' };
    if (columns[field]) {
      await tx.query(`UPDATE customers SET ${columns[field]} = $2 WHERE id = $1`, [id, value]);
    } else if (field === 'consent') {
      const source = `${by.source}${by.actor ? `:${by.actor}` : ''}`;
      await tx.query(`UPDATE customers SET marketing_consent = $2, consent_changed_at = now(), consent_source = $3 WHERE id = $1`, [id, value, source]);
    } else if (field.startsWith('attributes.')) {
      const key = field.slice('attributes.'.length);
      await tx.query(
        value === null ? `UPDATE customers SET attributes = attributes - $2::text WHERE id = $1` : `UPDATE customers SET attributes = attributes || jsonb_build_object($2::text, $3::jsonb) WHERE id = $1`,
        value === null ? [id, key] : [id, key, JSON.stringify(value)],
      );
    }
  }
}
