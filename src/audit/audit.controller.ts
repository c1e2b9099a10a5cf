import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { AuditService } from './audit.service';

const querySchema = z.strictObject({
  actorId: z.string().max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** The audit log, newest first (administrators only). */
@Controller('api/audit')
@UseGuards(ApiKeyGuard)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  list(@Query() query: unknown) {
    return this.audit.list(parseOrThrow(querySchema, query));
  }
}
