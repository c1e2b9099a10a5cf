import { Controller, Get } from '@nestjs/common';

/** Liveness for load balancers and orchestrators; says nothing beyond "up". */
@Controller('health')
export class HealthController {
  @Get()
  health() {
    return { status: 'ok' };
  }
}
