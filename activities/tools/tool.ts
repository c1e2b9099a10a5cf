import type { z } from 'zod';
import type { AppConfig } from '../../src/config/config';
import type { KnowledgeService } from '../../src/knowledge/knowledge.service';
import type { OrdersService, CustomerScope } from '../../src/orders/orders.service';
import type { ProductsService } from '../../src/catalogue/products.service';
import type { SettingsService } from '../../src/settings/settings.service';
import type { AppointmentsService } from '../../src/appointments/appointments.service';
import type { ReturnsService } from '../../src/returns/returns.service';
import type { CustomersService } from '../../src/customers/customers.service';
import type { FollowUpsService } from '../../src/follow-ups/follow-ups.service';
import type { BusinessProcess } from '../../workflows/skill-definitions';

/**
 * How much a tool may do: `read` runs at once (it reads, or records what the customer said about
 * themselves on their own profile); `write` commits the business (order, return, booking)
 * and runs only after the customer confirms a summary; `approval` waits for a staff member.
 */
export type Risk = 'read' | 'write' | 'approval';

/** What tools reach. */
export interface ToolServices {
  knowledge: Pick<KnowledgeService, 'search' | 'recordGap'>;
  products: Pick<ProductsService, 'search'>;
  orders: Pick<OrdersService, 'price' | 'place' | 'forCustomer'>;
  settings: Pick<SettingsService, 'get'>;
  appointments: Pick<AppointmentsService, 'services' | 'service' | 'freeSlots' | 'checkSlot' | 'book' | 'customersBooking' | 'cancel' | 'reschedule' | 'upcomingFor'>;
  returns: Pick<ReturnsService, 'check' | 'create'>;
  customers: Pick<CustomersService, 'update' | 'latestInboundMessageId'>;
  followUps: Pick<FollowUpsService, 'schedule' | 'scheduledCount'>;
  config: Pick<AppConfig, 'orderPaymentTimeoutMs'>;
}

export interface ToolContext {
  /** The conversation's customer: the only one a tool acts for. */
  scope: CustomerScope;
  /** The customer's language (en, es, de, fr, it, pt): texts for the customer are written in it. */
  language: string;
  services: ToolServices;
  /** For confirmed actions: the idempotency key (the conversation workflow's id + the action's hash). */
  actionKey?: string;
  /** For confirmed actions: what the summary the customer confirmed was based on (its total, the booking it named). */
  quote?: Record<string, unknown>;
  /** This call's key in tool_calls: what makes a retried `read` tool that records something (set_follow_up) do it once. */
  callKey?: string;
}

/** A side effect's summary, and what it rests on: the action runs only while that still holds. */
export type Preview = string | { summary: string; quote: Record<string, unknown> };

export interface ToolOutput {
  /** What the model reads as the tool's result. */
  result: unknown;
  /** For a confirmed action: the message the customer gets, rendered from the database. */
  message?: string;
  /** A long-lived business process the workflow starts for this action (an order waiting for payment). */
  start?: BusinessProcess;
}

export interface ToolDefinition<A = unknown> {
  name: string;
  /** What the model reads to decide when to call it. */
  description: string;
  /** The arguments, validated before any handler sees them; also the JSON schema the model is offered. */
  args: z.ZodType<A>;
  risk: Risk;
  /** Its activity's start-to-close timeout and attempts. */
  activity: { timeoutSeconds: number; maximumAttempts: number };
  /** For `write` tools: the summary the customer confirms, from the database (may refuse with a Refusal). */
  preview?: (args: A, ctx: ToolContext) => Promise<Preview>;
  /** The handler. Absent for tools the workflow itself answers (escalate_to_human). */
  run?: (args: A, ctx: ToolContext) => Promise<ToolOutput>;
}

export const defineTool = <A>(tool: ToolDefinition<A>): ToolDefinition<A> => tool;
