import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Caller } from '../../workflows/definitions';

export type { Caller } from '../../workflows/definitions';

/**
 * Roles besides `admin` that may call an endpoint (`@Roles('agent')`). Without it an endpoint is for
 * administrators only; administrators may call everything.
 */
export const Roles = Reflector.createDecorator<Caller['role'][]>();

/** The caller the ApiKeyGuard authenticated, as a handler parameter. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<Request & { caller?: Caller }>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without ApiKeyGuard');
  return caller;
});
