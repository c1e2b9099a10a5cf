import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';

/** Every non-webhook endpoint: `Authorization: Bearer <ADMIN_API_KEY>`, compared in constant time. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly adminKeyDigest: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.adminApiKey) throw new Error('ADMIN_API_KEY is not set');
    this.adminKeyDigest = digest(config.adminApiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), this.adminKeyDigest)) {
      throw new UnauthorizedException({ error: 'unauthorized', message: 'A valid API key is required: Authorization: Bearer <key>' });
    }
    return true;
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();
