import { timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyGuard } from '../auth/api-key.guard';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';

/**
 * `GET /metrics` takes the dedicated METRICS_TOKEN, so Prometheus scrapes without an admin key;
 * any other bearer goes through the API keys as on every other endpoint.
 */
@Injectable()
export class MetricsGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeyGuard,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const token = this.config.metrics.token;
    const match = /^Bearer\s+(\S+)$/i.exec(context.switchToHttp().getRequest<Request>().headers.authorization ?? '');
    if (token && match && sameSecret(match[1]!, token)) return true;
    return this.apiKeys.canActivate(context);
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
