import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';

/** Validates untrusted input; a failure is a 400 listing each problem by field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, field = '(body)'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new BadRequestException({
    error: 'invalid_request',
    problems: result.error.issues.map((i) => ({ field: i.path.join('.') || field, message: i.message })),
  });
}
