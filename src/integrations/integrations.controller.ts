import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import type { IntegrationEntity } from './integration.entity';
import { IntegrationResumeService } from './integration-resume.service';
import { IntegrationsService } from './integrations.service';

const phoneNumber = z.string().regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +14155238886');
const answeredEvent = z.enum(['onMessageAdd', 'onMessageAdded']);
const templateContentSid = z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Content SID: HX followed by 32 hex characters');

const createSchema = z.object({
  name: z.string().trim().min(1).max(200),
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters'),
  authToken: z.string().min(8).max(200),
  phoneNumber,
  answeredEvent: answeredEvent.optional(),
  systemPrompt: z.string().max(10_000).optional(),
  templateContentSid: templateContentSid.optional(),
  configureWebhook: z.boolean().optional(),
});

const updateSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    authToken: z.string().min(8).max(200).optional(),
    phoneNumber: phoneNumber.optional(),
    answeredEvent: answeredEvent.optional(),
    systemPrompt: z.string().max(10_000).nullable().optional(),
    templateContentSid: templateContentSid.nullable().optional(),
    configureWebhook: z.boolean().optional(),
  })
  .strict();

/** The admin API for connected Twilio numbers. Secrets go in, never come out. */
@Controller('api/integrations')
@UseGuards(ApiKeyGuard)
export class IntegrationsController {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly resumer: IntegrationResumeService,
  ) {}

  @Get()
  async list() {
    return (await this.integrations.list()).map(toView);
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return toView(await this.integrations.get(id));
  }

  @Post()
  async create(@Body() body: unknown) {
    const { configureWebhook, ...input } = parseOrThrow(createSchema, body);
    const created = await this.integrations.create(input);
    const webhookUrl = configureWebhook ? await this.integrations.configureWebhook(created.id) : undefined;
    return { ...toView(created), webhookConfigured: Boolean(webhookUrl) };
  }

  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown) {
    const { configureWebhook, ...changes } = parseOrThrow(updateSchema, body);
    const updated = await this.integrations.update(id, changes);
    const webhookUrl = configureWebhook ? await this.integrations.configureWebhook(id) : undefined;
    return { ...toView(updated), webhookConfigured: Boolean(webhookUrl) };
  }

  @Post(':id/resume')
  @HttpCode(200)
  async resume(@Param('id', ParseUUIDPipe) id: string) {
    const { integration, wokenTurns } = await this.resumer.resume(id);
    return { ...toView(integration), wokenTurns };
  }
}

function toView(i: IntegrationEntity) {
  return {
    id: i.id,
    name: i.name,
    kind: i.kind,
    status: i.status,
    pausedReason: i.pausedReason,
    accountSid: i.accountSid,
    phoneNumber: i.phoneNumber,
    agentIdentity: i.agentIdentity,
    answeredEvent: i.answeredEvent,
    systemPrompt: i.systemPrompt,
    templateContentSid: i.templateContentSid,
    authTokenRotating: Boolean(i.previousAuthTokenValidUntil && i.previousAuthTokenValidUntil.getTime() > Date.now()),
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}
