import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { type DemoLoadResult, DemoDataService } from './demo-data.service';

const loadSchema = z.strictObject({ integrationId: z.uuid().optional() });

/** Demo history for trying the dashboard and data questions (the sandbox's by default). Admins only. */
@Controller('api/demo-data')
@UseGuards(ApiKeyGuard)
export class DemoDataController {
  constructor(private readonly demo: DemoDataService) {}

  /** 200 with `loaded: false` when the integration already has it (nothing written); 404 for an unknown integration. */
  @Post()
  @HttpCode(200)
  async load(@Body() body: unknown): Promise<DemoLoadResult> {
    const input = parseOrThrow(loadSchema, body ?? {});
    return this.demo.load(await this.demo.integrationId(input.integrationId));
  }
}
