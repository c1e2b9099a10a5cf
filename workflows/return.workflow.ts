import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { tellCustomer } from './delivery';
import { RETURN_TRANSITIONS, type ReturnStatus, returnStatusQuery, returnStepUpdate, type ReturnWorkflowInput } from './skill-definitions';

const acts = proxyActivities<Activities>(DATABASE_ACTIVITY);

/** A return that can move no further. */
const isFinal = (status: ReturnStatus) => RETURN_TRANSITIONS[status].length === 0;

/**
 * A return (`return:<id>`): requested → approved or rejected (by the business's auto-approve rule or
 * a staff member) → received → refunded or exchanged. Staff move it with the `returnStep` update,
 * which refuses a move that is not allowed now; every change is stored and told to the customer.
 */
export async function returnWorkflow(input: ReturnWorkflowInput): Promise<ReturnStatus> {
  let status: ReturnStatus = 'requested';
  let moving = false;
  setHandler(returnStatusQuery, () => status);

  async function step(to: ReturnStatus, by: string, note?: string) {
    moving = true;
    try {
      const changed = await acts.changeReturnStatus({ returnId: input.returnId, to, by, note, language: input.language });
      status = changed.status;
      await tellCustomer(input, changed.message, `status-${to}`);
      return { status };
    } finally {
      moving = false;
    }
  }

  setHandler(returnStepUpdate, ({ to, by, note }) => step(to, by, note), {
    validator: ({ to }) => {
      if (moving) throw ApplicationFailure.create({ type: 'ReturnBusy', message: 'Another change of this return is in progress' });
      if (!RETURN_TRANSITIONS[status].includes(to)) throw ApplicationFailure.create({ type: 'InvalidReturnStep', message: `A return that is ${status} cannot become ${to}` });
    },
  });

  if (input.autoApprove) await step('approved', 'auto-approve rule');
  await condition(() => isFinal(status) && !moving);
  return status;
}
