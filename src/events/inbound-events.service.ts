import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CustomersService } from '../customers/customers.service';
import type { ProfilePatch } from '../customers/profile';
import { queryRows } from '../database/sql';
import { EventsService } from './events.service';

/** An event an external system fires through POST /api/events (validated by the controller). */
export interface InboundEvent {
  id?: string;
  type: string;
  customer: { id: string } | { phone: string; integrationId?: string };
  data?: Record<string, unknown>;
  profile?: Pick<ProfilePatch, 'name' | 'email' | 'attributes'> & { tags?: string[] };
}

/**
 * Events from outside (a shop, a loyalty system): the customer's profile updated first, recorded as
 * changes from the API, then the event published like the product's own, so webhooks (and automation)
 * see it with the customer as they now are.
 */
@Injectable()
export class InboundEventsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly customers: CustomersService,
    private readonly events: EventsService,
  ) {}

  async receive(event: InboundEvent, actor: string): Promise<{ id: string; customerId: string; changed: string[] }> {
    const customerId = 'id' in event.customer ? (await this.customers.get(event.customer.id)).id : await this.idByPhone(event.customer.phone, event.customer.integrationId);
    const { name, email, attributes, tags } = event.profile ?? {};
    const { profile, changed } = event.profile
      ? await this.customers.update(customerId, { name, email, attributes, addTags: tags }, { source: 'api', actor })
      : { profile: await this.customers.get(customerId), changed: [] };
    // A caller's id makes a retried request one event; theirs never contain ':' so they never meet a workflow's.
    const id = event.id ?? randomUUID();
    await this.events.publish({ id, type: event.type, integrationId: profile.integrationId, customerId, data: { properties: event.data ?? {}, profileChanges: changed } });
    return { id, customerId, changed };
  }

  /** The customer with this WhatsApp number; with several integrations the number may need its integration. */
  private async idByPhone(phone: string, integrationId?: string): Promise<string> {
    const address = phone.startsWith('whatsapp:') ? phone : `whatsapp:${phone}`;
    const rows = await queryRows<{ id: string }>(
      this.db,
      `SELECT id FROM customers WHERE phone = $1 AND erased_at IS NULL AND ($2::uuid IS NULL OR integration_id = $2::uuid) LIMIT 2`,
      [address, integrationId ?? null],
    );
    if (rows.length === 0) throw new NotFoundException({ error: 'customer_not_found', message: `No customer with the number ${phone}` });
    if (rows.length > 1) throw new ConflictException({ error: 'ambiguous_customer', message: `${phone} is a customer of several integrations: give customer.integrationId or customer.id` });
    return rows[0]!.id;
  }
}
