import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { settingsSchema, SettingsService } from './settings.service';

/** The business's settings: name, tone, return window and reasons. Admins only. */
@Controller('api/settings')
@UseGuards(ApiKeyGuard)
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  get() {
    return this.settings.get();
  }

  @Put()
  replace(@Body() body: unknown) {
    return this.settings.replace(parseOrThrow(settingsSchema, body));
  }
}
