import { z } from 'zod';
import { createOrder } from './create-order';
import { escalateToHuman } from './escalate-to-human';
import { getOrderStatus } from './get-order-status';
import { searchKnowledge } from './search-knowledge';
import { searchProducts } from './search-products';
import { findAppointmentSlots } from './find-appointment-slots';
import { bookAppointment } from './book-appointment';
import { cancelAppointment } from './cancel-appointment';
import { rescheduleAppointment } from './reschedule-appointment';
import { requestReturn } from './request-return';
import { setFollowUp } from './set-follow-up';
import { updateCustomerProfile } from './update-customer-profile';
import type { ToolDefinition } from './tool';

/**
 * The tool registry: every tool the agent may call, one file each. docs/tools.md documents this
 * catalogue; a test keeps the two in step.
 */
export const TOOLS = [
  searchKnowledge, searchProducts, getOrderStatus, createOrder, requestReturn,
  findAppointmentSlots, bookAppointment, cancelAppointment, rescheduleAppointment,
  setFollowUp,
  updateCustomerProfile, escalateToHuman,
] as unknown as readonly ToolDefinition<unknown>[];

export const toolNamed = (name: string): ToolDefinition<unknown> | undefined => TOOLS.find((t) => t.name === name);

/** The tools as the model is offered them: name, description and the JSON schema of the arguments. */
export function toolSchemas(): ToolSchema[] {
  schemas ??= TOOLS.map((tool): ToolSchema => {
    const parameters = z.toJSONSchema(tool.args as z.ZodType, { io: 'input' }) as Record<string, unknown>;
    delete parameters.$schema;
    return { type: 'function', function: { name: tool.name, description: tool.description, parameters } };
  });
  return schemas;
}

type ToolSchema = { type: 'function'; function: { name: string; description: string; parameters: Record<string, unknown> } };
/** Built once: every model call offers the same tools. */
let schemas: ToolSchema[] | undefined;

/**
 * The model's arguments, checked against the tool's schema: valid arguments, or an error the model
 * reads (they never reach a handler).
 */
export function checkToolCall(name: string, rawArguments: string): { tool: ToolDefinition<unknown>; args: unknown } | { error: string } {
  const tool = toolNamed(name);
  if (!tool) return { error: `There is no tool named ${name}. Available: ${TOOLS.map((t) => t.name).join(', ')}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawArguments || '{}');
  } catch {
    return { error: 'The arguments are not valid JSON.' };
  }
  const checked = tool.args.safeParse(parsed);
  if (!checked.success) {
    return { error: `Invalid arguments: ${checked.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ')}` };
  }
  return { tool, args: checked.data };
}
