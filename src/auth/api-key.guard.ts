import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { auditEntry } from '../audit/audit.interceptor';
import { AuditService } from '../audit/audit.service';
import { ApiKeysService } from './api-keys.service';
import { type Caller, Roles } from './roles';

/**
 * Every non-webhook endpoint: `Authorization: Bearer <API key>`. Administrators may call everything;
 * other roles only the endpoints marked `@Roles(...)` for them (a refusal goes to the audit log). The
 * caller is put on the request.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const caller = match ? await this.keys.authenticate(match[1]!) : null;
    if (!caller) throw new UnauthorizedException({ error: 'unauthorized', message: 'A valid API key is required: Authorization: Bearer <key>' });
    const allowed = this.reflector.getAllAndOverride(Roles, [context.getHandler(), context.getClass()]) ?? [];
    if (caller.role !== 'admin' && !allowed.includes(caller.role)) {
      await this.audit.record(auditEntry(request, caller, 403));
      throw new ForbiddenException({ error: 'forbidden', message: `This endpoint is not open to the ${caller.role} role` });
    }
    request.caller = caller;
    return true;
  }
}
