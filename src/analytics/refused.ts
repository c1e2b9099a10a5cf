import { UnprocessableEntityException } from '@nestjs/common';
import { Refusal } from '../common/refusal';

/** The analytics API's answer to a refused input (SQL the guard refuses, an agent, an unknown metric): 422 with the reason. */
export async function refusedAs422<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof Refusal) throw new UnprocessableEntityException({ error: err.code, message: err.message });
    throw err;
  }
}
