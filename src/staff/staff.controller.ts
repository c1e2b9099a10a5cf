import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { NOTIFY_KINDS, STAFF_ROLES } from './staff-roles';
import { type StaffMember, StaffService } from './staff.service';

const phone = z.string().trim().regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +34600111222');
const name = z.string().trim().min(1).max(100);

const createSchema = z.strictObject({
  phone,
  name,
  role: z.enum(STAFF_ROLES),
  /** Staff of one integration only; absent: of every integration. */
  integrationId: z.uuid().optional(),
  notify: z.array(z.enum(NOTIFY_KINDS)).max(NOTIFY_KINDS.length).optional(),
});

const updateSchema = z
  .strictObject({ name: name.optional(), role: z.enum(STAFF_ROLES).optional(), notify: z.array(z.enum(NOTIFY_KINDS)).max(NOTIFY_KINDS.length).nullable().optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'name, role or notify is required' });

/**
 * The staff registry: numbers that reach the staff side of the agent on WhatsApp, their role, and
 * the alerts they receive there (`notify`; owners everything, agents hand-offs, analysts nothing,
 * until changed). Admins only.
 */
@Controller('api/staff')
@UseGuards(ApiKeyGuard)
export class StaffController {
  constructor(private readonly staff: StaffService) {}

  /** 201 with the staff member; 409 when the phone is already registered. */
  @Post()
  create(@Body() body: unknown): Promise<StaffMember> {
    const input = parseOrThrow(createSchema, body);
    return this.staff.create({ ...input, notify: input.notify && [...new Set(input.notify)] });
  }

  @Get()
  list(@Query('role') role?: unknown): Promise<StaffMember[]> {
    return this.staff.list(role === undefined ? {} : { roles: [parseOrThrow(z.enum(STAFF_ROLES), role, 'role')] });
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<StaffMember> {
    return found(id, await this.staff.byId(id));
  }

  /** Name, role and `notify` (null: back to the role's default). */
  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown): Promise<StaffMember> {
    const changes = parseOrThrow(updateSchema, body);
    return found(id, await this.staff.update(id, { ...changes, notify: changes.notify && [...new Set(changes.notify)] }));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    if (!(await this.staff.remove(id))) throw new NotFoundException({ error: 'not_found', message: `No staff member ${id}` });
  }
}

function found(id: string, member: StaffMember | null): StaffMember {
  if (!member) throw new NotFoundException({ error: 'not_found', message: `No staff member ${id}` });
  return member;
}
