import { automationSchema, checkEventConditions, fillPlaceholders, parseDuration } from './automation-definition';

describe('automation rules as data', () => {
  test('durations: ISO-8601 weeks to seconds; no years or months', () => {
    expect(parseDuration('PT2H')).toBe(2 * 3_600_000);
    expect(parseDuration('P3D')).toBe(3 * 86_400_000);
    expect(parseDuration('P1DT12H30M')).toBe(86_400_000 + 12 * 3_600_000 + 30 * 60_000);
    expect(parseDuration('P2W')).toBe(14 * 86_400_000);
    expect(parseDuration('PT0S')).toBe(0);
    for (const bad of ['P', 'PT', 'P1Y', 'P1M', '3 days', 'P1DT', '-P1D', 'p1d']) expect(parseDuration(bad)).toBeUndefined();
    expect(automationSchema.safeParse({ on: 'order.paid', after: 'P90D', then: [{ type: 'add_tag', tag: 'x' }] }).success).toBe(true);
    expect(automationSchema.safeParse({ on: 'order.paid', after: 'P91D', then: [{ type: 'add_tag', tag: 'x' }] }).success).toBe(false);
  });

  test('event conditions compare values from the data, never run them', () => {
    const data = { order: { total: 4200, status: 'paid', items: ['shoe', 'sock'] }, customer: { tags: ['vip'] }, note: 'constructor' };
    expect(checkEventConditions({ all: [{ path: 'order.total', op: 'gte', value: 4000 }, { path: 'order.status', op: 'eq', value: 'paid' }] }, data)).toEqual({ met: true });
    expect(checkEventConditions({ all: [{ path: 'order.total', op: 'gt', value: 5000 }] }, data)).toEqual({ met: false, reason: 'the event does not meet order.total gt 5000' });
    expect(checkEventConditions({ any: [{ path: 'customer.tags', op: 'contains', value: 'vip' }, { path: 'order.total', op: 'lt', value: 1 }] }, data)).toEqual({ met: true });
    expect(checkEventConditions({ all: [{ path: 'order.items', op: 'contains', value: 'sock' }, { path: 'order.refund', op: 'exists', value: false }] }, data)).toEqual({ met: true });
    expect(checkEventConditions({ all: [{ path: 'order.missing', op: 'neq', value: 'x' }] }, data)).toEqual({ met: true });
    // Only the data's own properties are followed: nothing reaches prototypes.
    expect(checkEventConditions({ all: [{ path: 'note.length', op: 'exists' }] }, data).met).toBe(false);
    expect(checkEventConditions({ all: [{ path: 'order.constructor', op: 'exists' }] }, data).met).toBe(false);
  });

  test('placeholders: plain substitution, empty when missing', () => {
    const context = { customer: { name: 'Ana', phone: 'whatsapp:+34600111222', tags: ['vip', 'buyer'] }, order: { number: '1001' }, event: { type: 'order.paid' } };
    expect(fillPlaceholders('Hi {{customer.name}} ({{ customer.phone }}), order {{order.number}} {{event.type}}', context)).toBe('Hi Ana (+34600111222), order 1001 order.paid');
    expect(fillPlaceholders('{{customer.tags}} {{customer.email}}|{{order}}|{{__proto__.x}}|{{ 1+1 }}', context)).toBe('vip, buyer |||{{ 1+1 }}');
  });
});
