import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import type { ActivityDeps } from '../activities';
import { createOrderActivities } from '../activities/order.activities';
import { openDataSource } from '../src/database/data-source';
import { Refusal } from '../src/common/refusal';
import { OrdersService } from '../src/orders/orders.service';
import { orderPaidSignal, orderStatusQuery, orderWorkflowId } from '../workflows/skill-definitions';
import { eventually } from './support/eventually';
import { recordHistory } from './support/record-history';
import { fakeActivities } from './support/fake-activities';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startTimeSkippingWorkers } from './support/time-skipping';

const HOUR = 60 * 60_000;

/**
 * The order workflow on the time-skipping server (hours of payment timeout in a moment), with the
 * real orders service on a real database: reminder, cancellation with the stock given back, payment
 * with a receipt. And placing an order under one action key, concurrently, makes one order.
 */
describe('order workflow', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let db: DataSource;
  let orders: OrdersService;
  let stopWorkers: (() => Promise<void>) | undefined;
  const queue = `orders-${randomBytes(4).toString('hex')}`;
  const { activities, record } = fakeActivities();
  const scope = { integrationId: randomUUID(), customerId: randomUUID(), conversationSid: 'CH-orders' };
  const sentFor = (number: string) => record.sent.filter((s) => s.idempotencyKey.startsWith(`${orderWorkflowId(number)}:`)).map((s) => s.body);
  const stock = async (sku: string) => (await db.query(`SELECT stock FROM products WHERE sku = $1`, [sku]))[0].stock as number;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    await db.query(
      `INSERT INTO integrations (id, name, kind, account_sid, auth_token_encrypted, phone_number, agent_identity, status, answered_event)
       VALUES ($1, 'Shop', 'sandbox', 'AC-orders', 'x', '+1', 'agent', 'active', 'onMessageAdd')`,
      [scope.integrationId],
    );
    await db.query(`INSERT INTO customers (id, integration_id, phone, last_seen_at) VALUES ($1, $2, 'whatsapp:+34600111222', now())`, [scope.customerId, scope.integrationId]);
    await db.query(`INSERT INTO products (sku, name, price_amount, currency, stock) VALUES ('LAMP', 'Desk lamp', 24.5, 'EUR', 10), ('LAST', 'Last one', 5, 'EUR', 1)`);
    orders = new OrdersService(db);
    const payments = { createLink: async () => ({ provider: 'sandbox', reference: `ref-${randomUUID()}`, url: 'https://pay.example/ref' }) };
    const orderActivities = createOrderActivities({ orders, payments } as unknown as ActivityDeps);

    ({ env, stop: stopWorkers } = await startTimeSkippingWorkers(queue, { ...activities, ...orderActivities }, { sendReply: activities.sendReply }));
  });
  afterAll(async () => {
    await stopWorkers?.();
    await db?.destroy();
    await database?.drop();
  });

  async function startOrder(quantity: number) {
    const { order } = await orders.place(scope, [{ sku: 'LAMP', quantity }], `key-${randomUUID()}`);
    const handle = await env.client.workflow.start('orderWorkflow', {
      workflowId: orderWorkflowId(order.number),
      taskQueue: queue,
      args: [{ orderId: order.id, number: order.number, integrationId: scope.integrationId, conversationSid: scope.conversationSid, language: 'es', paymentTimeoutMs: HOUR }],
    });
    return { order, handle };
  }

  test('unpaid: one reminder after the timeout, then cancelled and the stock given back', async () => {
    const { order, handle } = await startOrder(3);
    expect(await stock('LAMP')).toBe(7);
    expect(await handle.result()).toBe('cancelled'); // two hours of workflow time, skipped
    expect(sentFor(order.number)).toEqual([
      `Para pagar el pedido #${order.number} (73.50 EUR), abre: https://pay.example/ref`,
      `Recordatorio: el pedido #${order.number} está pendiente de pago: https://pay.example/ref. Los pedidos sin pagar se cancelan.`,
      `El pedido #${order.number} no se pagó a tiempo y se ha cancelado.`,
    ]);
    expect((await orders.byId(order.id))!.status).toBe('cancelled');
    expect(await stock('LAMP')).toBe(10);
    await recordHistory(handle, 'order-unpaid.json');
  });

  test('paid after the reminder: a receipt, the order paid and its stock kept', async () => {
    const { order, handle } = await startOrder(2);
    await env.sleep(HOUR + 60_000);
    await eventually(async () => sentFor(order.number), (s) => s.length >= 2);
    await handle.signal(orderPaidSignal, { provider: 'sandbox', reference: 'ref' });
    expect(await handle.result()).toBe('paid');
    expect(await handle.query(orderStatusQuery)).toBe('paid');
    expect(sentFor(order.number).at(-1)).toBe(`¡Pago recibido, gracias! Recibo del pedido #${order.number}:\n• 2 × Desk lamp (LAMP): 49.00 EUR\nTotal: 49.00 EUR`);
    expect(sentFor(order.number)).toHaveLength(3);
    expect((await orders.byId(order.id))!.status).toBe('paid');
    expect(await stock('LAMP')).toBe(8);
  });

  test('one action key places one order, however often and concurrently it is confirmed; the last unit goes to one customer', async () => {
    const key = `key-${randomUUID()}`;
    const placed = await Promise.all([1, 2, 3].map(() => orders.place(scope, [{ sku: 'LAMP', quantity: 1 }], key)));
    expect(new Set(placed.map((p) => p.order.id)).size).toBe(1);
    expect(placed.filter((p) => p.created)).toHaveLength(1);
    expect(await stock('LAMP')).toBe(7);

    const race = await Promise.allSettled([1, 2].map(() => orders.place(scope, [{ sku: 'LAST', quantity: 1 }], `key-${randomUUID()}`)));
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = race.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(Refusal);
    expect((refused.reason as Refusal).code).toBe('out_of_stock');
    expect(await stock('LAST')).toBe(0);
  });
});
