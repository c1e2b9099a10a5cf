import { type CallHandler, type ExecutionContext, HttpException, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { type Observable, tap } from 'rxjs';
import type { Caller } from '../auth/roles';
import { AuditService } from './audit.service';

/** Reads that still belong in the audit log: everything held about a customer leaves the system. */
const AUDITED_READS = [/\/export$/];

/**
 * Puts every authenticated change (POST, PUT, PATCH, DELETE) and every audited read into the audit
 * log, with its outcome. Refusals by role are recorded by ApiKeyGuard, which runs before this.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly audit: AuditService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const path = request.originalUrl.split('?')[0] ?? '';
    const audited = request.method !== 'GET' && request.method !== 'HEAD' ? true : AUDITED_READS.some((r) => r.test(path));
    if (!request.caller || !audited) return next.handle();
    const write = (status: number) => void this.audit.record(auditEntry(request, request.caller!, status));
    return next.handle().pipe(
      tap({
        next: () => write(context.switchToHttp().getResponse<Response>().statusCode),
        error: (err: unknown) => write(err instanceof HttpException ? err.getStatus() : 500),
      }),
    );
  }
}

export function auditEntry(request: Request, caller: Caller, status: number) {
  return {
    actor: caller,
    method: request.method,
    route: `${request.baseUrl ?? ''}${(request.route as { path?: string } | undefined)?.path ?? request.path}`,
    path: request.originalUrl.split('?')[0] ?? '',
    status,
    ip: request.ip ?? null,
    userAgent: request.headers['user-agent'] ?? null,
  };
}
