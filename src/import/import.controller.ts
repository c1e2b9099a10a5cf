import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ImportService } from './import.service';

/** Settings, knowledge, products and services in one document (`npm run import`). Admins only. */
@Controller('api/import')
@UseGuards(ApiKeyGuard)
export class ImportController {
  constructor(private readonly imports: ImportService) {}

  /** 200 with counts per section; 400 listing every problem (nothing written) when any row is wrong. */
  @Post()
  @HttpCode(200)
  import(@Body() body: unknown) {
    return this.imports.apply(this.imports.validate(body));
  }
}
