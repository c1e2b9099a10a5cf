import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOOLS, toolSchemas } from '.';

/** docs/tools.md is part of the contract: every tool, its risk and its arguments as the registry has them. */
describe('the documented tool catalogue', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'tools.md'), 'utf8');
  const sections = doc.split(/^### /m).slice(1).map((s) => ({ name: /^`([a-z_]+)`/.exec(s)?.[1], body: s }));

  test('lists exactly the registered tools, in the same order', () => {
    expect(sections.map((s) => s.name)).toEqual(TOOLS.map((t) => t.name));
  });

  test.each(TOOLS.map((t) => [t.name, t] as const))('%s: its risk and every argument are documented', (name, tool) => {
    const body = sections.find((s) => s.name === name)!.body;
    expect(body).toContain(`**risk**: ${tool.risk}`);
    const schema = toolSchemas().find((s) => s.function.name === name)!.function.parameters as { properties: Record<string, unknown> };
    for (const argument of Object.keys(schema.properties)) expect(body).toContain(`\`${argument}\``);
    if (tool.run) expect(body).toContain(`activity ${tool.activity.timeoutSeconds} s, ${tool.activity.maximumAttempts} attempts`);
  });

  test('the built-in names are the contract', () => {
    expect(TOOLS.map((t) => t.name).sort()).toEqual([
      'book_appointment', 'cancel_appointment', 'create_order', 'escalate_to_human', 'find_appointment_slots',
      'get_order_status', 'request_return', 'reschedule_appointment', 'search_knowledge', 'search_products', 'set_follow_up', 'update_customer_profile',
    ]);
  });
});
