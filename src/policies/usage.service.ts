import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type Alert, AlertsService } from '../alerts/alerts.service';
import { queryRows } from '../database/sql';
import type { MessagePolicy } from './message-policy';

type Limits = MessagePolicy['limits'];
export type BudgetScope = 'customer' | 'integration';

/** The share of a daily budget at which administrators are warned. */
export const BUDGET_WARNING_SHARE = 0.8;

/** Budgets count per UTC day. */
export const usageDay = (at = new Date()) => at.toISOString().slice(0, 10);

/**
 * LLM token usage per customer and day, and the daily budgets on it (per customer and per
 * integration). Checked before each model call, counted after it; administrators are alerted once at
 * 80 % and once when a budget is spent.
 */
@Injectable()
export class UsageService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly alerts: AlertsService,
  ) {}

  /** The budget already spent today, if any (the customer's is checked first), with its alert (see AlertsService.raiseOnce). */
  async spentBudget(integrationId: string, customerId: string, limits: Limits, opts = { raise: true }): Promise<{ scope: BudgetScope; alert: Alert | null } | null> {
    if (limits.customerDailyTokens === 0 && limits.integrationDailyTokens === 0) return null;
    const day = usageDay();
    const { customer, integration } = await this.usedToday(integrationId, customerId, day);
    const scope: BudgetScope | null =
      limits.customerDailyTokens > 0 && customer >= limits.customerDailyTokens ? 'customer'
      : limits.integrationDailyTokens > 0 && integration >= limits.integrationDailyTokens ? 'integration'
      : null;
    if (!scope) return null;
    if (!opts.raise) return { scope, alert: null };
    const key = scope === 'customer' ? `${integrationId}:${customerId}:${day}` : `${integrationId}:${day}`;
    const what = scope === 'customer' ? `Customer ${customerId} has used their daily LLM budget (${limits.customerDailyTokens} tokens)` : `The integration has used its daily LLM budget (${limits.integrationDailyTokens} tokens)`;
    const alert = await this.alerts.raiseOnce('llm_budget_exhausted', `${what}; the agent answers with the fallback message until the day ends (UTC)`, integrationId, key);
    return { scope, alert };
  }

  /**
   * Counts one model call's tokens; returns the 80 % warnings that are due (each budget's warning is
   * raised once a day, and handed out for a few minutes after: see AlertsService.raiseOnce).
   */
  async record(input: { integrationId: string; customerId: string; promptTokens: number; completionTokens: number }, limits: Limits, opts = { raise: true }): Promise<Alert[]> {
    const day = usageDay();
    // One statement: count the call, and read both totals after it (the subquery sees the table as it
    // was before this statement, so the call's own tokens are added to it).
    const [after] = await queryRows<{ customer: string; integration: string }>(
      this.db,
      `WITH counted AS (
         INSERT INTO llm_usage (integration_id, customer_id, day, calls, prompt_tokens, completion_tokens) VALUES ($1, $2, $3, 1, $4, $5)
         ON CONFLICT (integration_id, day, customer_id) DO UPDATE SET calls = llm_usage.calls + 1,
           prompt_tokens = llm_usage.prompt_tokens + EXCLUDED.prompt_tokens, completion_tokens = llm_usage.completion_tokens + EXCLUDED.completion_tokens
         RETURNING prompt_tokens + completion_tokens AS customer)
       SELECT counted.customer,
              (SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM llm_usage WHERE integration_id = $1 AND day = $3) + $4 + $5 AS integration
       FROM counted`,
      [input.integrationId, input.customerId, day, input.promptTokens, input.completionTokens],
    );
    const used = { customer: Number(after!.customer), integration: Number(after!.integration) };
    const alerts: Alert[] = [];
    if (!opts.raise) return alerts;
    const crossed = (limit: number, used: number) => limit > 0 && used >= limit * BUDGET_WARNING_SHARE;
    if (crossed(limits.customerDailyTokens, used.customer)) {
      const alert = await this.alerts.raiseOnce('llm_budget_warning', `Customer ${input.customerId} has used 80 % of their daily LLM budget (${used.customer} of ${limits.customerDailyTokens} tokens)`, input.integrationId, `${input.integrationId}:${input.customerId}:${day}`);
      if (alert) alerts.push(alert);
    }
    if (crossed(limits.integrationDailyTokens, used.integration)) {
      const alert = await this.alerts.raiseOnce('llm_budget_warning', `The integration has used 80 % of its daily LLM budget (${used.integration} of ${limits.integrationDailyTokens} tokens)`, input.integrationId, `${input.integrationId}:${day}`);
      if (alert) alerts.push(alert);
    }
    return alerts;
  }

  /** Usage of one UTC day per integration, with its heaviest customers. */
  async report(day: string, integrationId?: string) {
    const totals = await queryRows<{ integration_id: string; name: string; calls: string; prompt_tokens: string; completion_tokens: string; customers: string }>(
      this.db,
      `SELECT i.id AS integration_id, i.name, COALESCE(SUM(u.calls), 0) AS calls, COALESCE(SUM(u.prompt_tokens), 0) AS prompt_tokens,
              COALESCE(SUM(u.completion_tokens), 0) AS completion_tokens, COUNT(u.customer_id) AS customers
       FROM integrations i LEFT JOIN llm_usage u ON u.integration_id = i.id AND u.day = $1
       WHERE ($2::uuid IS NULL OR i.id = $2) GROUP BY i.id, i.name ORDER BY i.name`,
      [day, integrationId ?? null],
    );
    const top = await queryRows<{ integration_id: string; customer_id: string; phone: string; calls: string; tokens: string }>(
      this.db,
      `SELECT * FROM (
         SELECT u.integration_id, u.customer_id, c.phone, u.calls, u.prompt_tokens + u.completion_tokens AS tokens,
                row_number() OVER (PARTITION BY u.integration_id ORDER BY u.prompt_tokens + u.completion_tokens DESC) AS rank
         FROM llm_usage u JOIN customers c ON c.id = u.customer_id
         WHERE u.day = $1 AND ($2::uuid IS NULL OR u.integration_id = $2)) ranked
       WHERE rank <= 10`,
      [day, integrationId ?? null],
    );
    return totals.map((t) => ({
      integrationId: t.integration_id,
      name: t.name,
      calls: Number(t.calls),
      promptTokens: Number(t.prompt_tokens),
      completionTokens: Number(t.completion_tokens),
      totalTokens: Number(t.prompt_tokens) + Number(t.completion_tokens),
      customers: Number(t.customers),
      topCustomers: top
        .filter((c) => c.integration_id === t.integration_id)
        .map((c) => ({ customerId: c.customer_id, phone: c.phone, calls: Number(c.calls), totalTokens: Number(c.tokens) })),
    }));
  }

  private async usedToday(integrationId: string, customerId: string, day: string): Promise<{ customer: number; integration: number }> {
    const [row] = await queryRows<{ customer: string; integration: string }>(
      this.db,
      `SELECT COALESCE(SUM(prompt_tokens + completion_tokens) FILTER (WHERE customer_id = $2), 0) AS customer,
              COALESCE(SUM(prompt_tokens + completion_tokens), 0) AS integration
       FROM llm_usage WHERE integration_id = $1 AND day = $3`,
      [integrationId, customerId, day],
    );
    return { customer: Number(row?.customer ?? 0), integration: Number(row?.integration ?? 0) };
  }
}
