import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { parseOrThrow } from '../common/validation';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysService } from './api-keys.service';
import { type Caller, CurrentCaller, Roles } from './roles';

const createSchema = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(['admin', 'agent']),
}).strict();

/** API keys, managed by administrators; `GET /api/me` tells any key who it is. */
@Controller('api')
@UseGuards(ApiKeyGuard)
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get('me')
  @Roles(['agent'])
  me(@CurrentCaller() caller: Caller): Caller {
    return caller;
  }

  @Post('keys')
  create(@Body() body: unknown) {
    return this.keys.create(parseOrThrow(createSchema, body));
  }

  @Get('keys')
  async list() {
    return { keys: await this.keys.list() };
  }

  @Delete('keys/:id')
  @HttpCode(204)
  async revoke(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}
