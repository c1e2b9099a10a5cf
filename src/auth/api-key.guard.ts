import { type CanActivate, type ExecutionContext, ForbiddenException, HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { auditEntry } from '../audit/audit.interceptor';
import { AuditService } from '../audit/audit.service';
import { AdminRateLimiter } from './admin-rate-limit';
import { ApiKeysService } from './api-keys.service';
import { type Caller, Roles } from './roles';

/**
 * Every non-webhook endpoint: `Authorization: Bearer <API key>`. Administrators may call everything;
 * other roles only the endpoints marked `@Roles(...)` for them (a refusal goes to the audit log). The
 * caller is put on the request. Each key makes at most ADMIN_RATE_LIMIT_PER_MINUTE calls a minute
 * (429 with Retry-After beyond; see AdminRateLimiter).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
    private readonly rateLimit: AdminRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const caller = match ? await this.keys.authenticate(match[1]!) : null;
    if (!caller) throw new UnauthorizedException({ error: 'unauthorized', message: 'A valid API key is required: Authorization: Bearer <key>' });
    const limited = this.rateLimit.take(caller.id);
    if (limited) {
      // Audited once per key and minute: a client hammering on would otherwise flood the audit log too.
      if (limited.firstRefusal) await this.audit.record(auditEntry(request, caller, HttpStatus.TOO_MANY_REQUESTS));
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(limited.retryAfterSeconds));
      throw new HttpException({ error: 'rate_limited', message: `Too many calls with this API key: at most ${limited.limit} a minute; retry after ${limited.retryAfterSeconds} s` }, HttpStatus.TOO_MANY_REQUESTS);
    }
    const allowed = this.reflector.getAllAndOverride(Roles, [context.getHandler(), context.getClass()]) ?? [];
    if (caller.role !== 'admin' && !allowed.includes(caller.role)) {
      await this.audit.record(auditEntry(request, caller, 403));
      throw new ForbiddenException({ error: 'forbidden', message: `This endpoint is not open to the ${caller.role} role` });
    }
    request.caller = caller;
    return true;
  }
}
