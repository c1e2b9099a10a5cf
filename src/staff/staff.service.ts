import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import { defaultNotify, type NotifyKind, type StaffRole } from './staff-roles';

export interface StaffMember {
  id: string;
  /** `whatsapp:+34600111222`, as Twilio names the sender. */
  phone: string;
  name: string;
  role: StaffRole;
  /** The alert kinds they receive on WhatsApp (their role's default until changed). */
  notify: NotifyKind[];
  /** Null: staff of every integration. */
  integrationId: string | null;
  createdAt: string;
}

export interface StaffFilter {
  integrationId?: string | null;
  roles?: StaffRole[];
  ids?: string[];
  /** Only those subscribed to this kind. */
  notify?: NotifyKind;
}

type Row = { id: string; integration_id: string | null; phone: string; name: string; role: StaffRole; notify: NotifyKind[] | null; created_at: Date };

const toStaff = (r: Row): StaffMember => ({
  id: r.id, phone: r.phone, name: r.name, role: r.role, notify: r.notify ?? defaultNotify(r.role),
  integrationId: r.integration_id, createdAt: new Date(r.created_at).toISOString(),
});

/** `+34600111222` or `whatsapp:+34600111222` → the WhatsApp address Twilio uses for it. */
export const staffAddress = (phone: string) => (phone.startsWith('whatsapp:') ? phone : `whatsapp:${phone}`);

/**
 * The staff registry: phone numbers that reach the staff side of the agent, their role, and which
 * alerts reach them on WhatsApp. A role comes from here for every message, never from its text.
 */
@Injectable()
export class StaffService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** 409 when the phone is already registered. */
  async create(input: { phone: string; name: string; role: StaffRole; integrationId?: string | null; notify?: NotifyKind[] }): Promise<StaffMember> {
    try {
      const [row] = await queryRows<Row>(this.db,
        `INSERT INTO staff (id, integration_id, phone, name, role, notify) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [randomUUID(), input.integrationId ?? null, staffAddress(input.phone), input.name, input.role, input.notify ?? null],
      );
      return toStaff(row!);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new ConflictException({ error: 'staff_exists', message: `${input.phone} is already registered as staff` });
      throw err;
    }
  }

  async list(filter: StaffFilter = {}): Promise<StaffMember[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.integrationId) where.push(`(integration_id IS NULL OR integration_id = ${param(filter.integrationId)})`);
    if (filter.roles) where.push(`role = ANY(${param(filter.roles)}::text[])`);
    if (filter.ids) where.push(`id = ANY(${param(filter.ids)}::uuid[])`);
    const rows = (await queryRows<Row>(this.db, `SELECT * FROM staff ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`, params)).map(toStaff);
    // Defaults live in code (by role), so the subscription filter is applied here.
    return filter.notify ? rows.filter((s) => s.notify.includes(filter.notify!)) : rows;
  }

  async byId(id: string): Promise<StaffMember | null> {
    const [row] = await queryRows<Row>(this.db, `SELECT * FROM staff WHERE id = $1`, [id]);
    return row ? toStaff(row) : null;
  }

  /** The staff member writing from `phone` to the integration's number, or null for a customer. */
  async byPhone(integrationId: string | undefined, phone: string): Promise<StaffMember | null> {
    const [row] = await queryRows<Row>(this.db,
      `SELECT * FROM staff WHERE phone = $1 AND ($2::uuid IS NULL OR integration_id IS NULL OR integration_id = $2)`,
      [staffAddress(phone), integrationId ?? null],
    );
    return row ? toStaff(row) : null;
  }

  /** `notify: null` goes back to the role's default. Null when there is no such staff member. */
  async update(id: string, changes: { name?: string; role?: StaffRole; notify?: NotifyKind[] | null }): Promise<StaffMember | null> {
    const [row] = await queryRows<Row>(this.db,
      `UPDATE staff SET name = COALESCE($2, name), role = COALESCE($3, role), notify = CASE WHEN $4 THEN $5::text[] ELSE notify END
       WHERE id = $1 RETURNING *`,
      [id, changes.name ?? null, changes.role ?? null, changes.notify !== undefined, changes.notify ?? null],
    );
    return row ? toStaff(row) : null;
  }

  async remove(id: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(this.db, `DELETE FROM staff WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }

  /**
   * Where to write to a staff member on the integration's number: the conversation they last wrote
   * in (its 24-hour window may be open), else the one the business opened with them; null if none.
   */
  async conversationWith(staffId: string, integrationId: string): Promise<string | null> {
    const [row] = await queryRows<{ conversation_sid: string }>(this.db,
      `SELECT conversation_sid FROM (
         SELECT c.conversation_sid, c.last_message_at AS at FROM conversations c
           JOIN customers cu ON cu.id = c.customer_id JOIN staff s ON s.phone = cu.phone
          WHERE s.id = $1 AND c.integration_id = $2
         UNION ALL
         SELECT conversation_sid, created_at AS at FROM staff_conversations WHERE staff_id = $1 AND integration_id = $2
       ) found ORDER BY at DESC LIMIT 1`,
      [staffId, integrationId],
    );
    return row?.conversation_sid ?? null;
  }

  /** Keeps the conversation the business opened with a staff member (the first one kept wins). */
  async rememberConversation(staffId: string, integrationId: string, conversationSid: string): Promise<string> {
    await this.db.query(
      `INSERT INTO staff_conversations (staff_id, integration_id, conversation_sid) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [staffId, integrationId, conversationSid],
    );
    const [row] = await queryRows<{ conversation_sid: string }>(this.db, `SELECT conversation_sid FROM staff_conversations WHERE staff_id = $1 AND integration_id = $2`, [staffId, integrationId]);
    return row!.conversation_sid;
  }
}
