import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { type DiagnosticsReport, DiagnosticsService } from './diagnostics.service';

/**
 * The troubleshooting list as JSON, for administrators (it names integrations, URLs and recent
 * alerts; never a secret). Always 200: the verdicts are the answer, even when they are failures.
 */
@Controller('api/diagnostics')
@UseGuards(ApiKeyGuard)
export class DiagnosticsController {
  constructor(private readonly diagnostics: DiagnosticsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  run(): Promise<DiagnosticsReport> {
    return this.diagnostics.run();
  }
}
