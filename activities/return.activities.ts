import { returnMessages } from '../src/returns/return-messages';
import type { ReturnStatus } from '../src/returns/returns.service';
import type { ActivityDeps } from './deps';

/** The return workflow's step: a status change, stored, with the message that tells the customer. */
export function createReturnActivities({ returns }: ActivityDeps) {
  return {
    async changeReturnStatus(input: { returnId: string; to: ReturnStatus; by: string; note?: string; language: string }): Promise<{ status: ReturnStatus; message: string }> {
      const changed = await returns.transition(input.returnId, input.to, input.by, input.note);
      return { status: changed.status, message: returnMessages.status(input.language, changed, input.note) };
    },
  };
}
