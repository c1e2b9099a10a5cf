import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { type Caller, CurrentCaller } from '../auth/roles';
import { parseOrThrow } from '../common/validation';
import { IntegrationsService } from '../integrations/integrations.service';
import { BlockedSendersService } from './blocked-senders.service';
import { MessagePoliciesService } from './message-policies.service';
import { storedPolicySchema } from './message-policy';
import { usageDay, UsageService } from './usage.service';

const blockSchema = z
  .object({
    phone: z.string().regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +34600111222'),
    integrationId: z.uuid().optional(),
    reason: z.string().trim().max(500).optional(),
  })
  .strict();

const usageQuery = z.object({
  day: z.iso.date({ message: 'must be a date, YYYY-MM-DD' }).optional(),
  integrationId: z.uuid().optional(),
});

/** An integration's message policies: redaction, limits and budgets, holding message, business hours. Admins only. */
@Controller('api/integrations/:id/policies')
@UseGuards(ApiKeyGuard)
export class PoliciesController {
  constructor(private readonly policies: MessagePoliciesService) {}

  @Get()
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.policies.get(id);
  }

  @Put()
  replace(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown) {
    return this.policies.replace(id, parseOrThrow(storedPolicySchema, body));
  }
}

/** Senders refused at the pre-action hook (403): their messages never reach the conversation. Admins only. */
@Controller('api/blocked-senders')
@UseGuards(ApiKeyGuard)
export class BlockedSendersController {
  constructor(private readonly blocked: BlockedSendersService) {}

  @Get()
  list(@Query('integrationId') integrationId?: string) {
    return this.blocked.list(integrationId === undefined ? undefined : parseOrThrow(z.uuid(), integrationId, 'integrationId'));
  }

  @Post()
  add(@Body() body: unknown, @CurrentCaller() caller: Caller) {
    return this.blocked.add(parseOrThrow(blockSchema, body), `${caller.role}:${caller.name}`);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.blocked.remove(id);
  }
}

/** LLM token usage of a UTC day against the daily budgets. Admins only. */
@Controller('api/usage')
@UseGuards(ApiKeyGuard)
export class UsageController {
  constructor(
    private readonly usage: UsageService,
    private readonly integrations: IntegrationsService,
    private readonly policies: MessagePoliciesService,
  ) {}

  @Get()
  async get(@Query() query: unknown) {
    const { day = usageDay(), integrationId } = parseOrThrow(usageQuery, query);
    const rows = await this.usage.report(day, integrationId);
    const budgets = new Map((await this.integrations.list()).map((i) => [i.id, this.policies.effective(i).limits]));
    return {
      day,
      integrations: rows.map((r) => {
        const limits = budgets.get(r.integrationId)!;
        return {
          ...r,
          dailyTokenBudget: limits.integrationDailyTokens || null,
          budgetUsedPercent: limits.integrationDailyTokens ? round(r.totalTokens / limits.integrationDailyTokens) : null,
          customerDailyTokenBudget: limits.customerDailyTokens || null,
          topCustomers: r.topCustomers.map((c) => ({ ...c, budgetUsedPercent: limits.customerDailyTokens ? round(c.totalTokens / limits.customerDailyTokens) : null })),
        };
      }),
    };
  }
}

const round = (share: number) => Math.round(share * 1000) / 10;
