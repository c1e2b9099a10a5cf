import type { CustomerScope } from '../src/orders/orders.service';
import type { MenuState, ToolActivityOptions } from '../workflows/skill-definitions';
import type { ActivityDeps } from './deps';
import { describe } from './menu/render';
import { menuText, menuTexts, numbered } from './menu/texts';
import { createToolRunner } from './tool.activities';
import { checkToolCall } from './tools';

export interface MenuTurnInput {
  state?: MenuState;
  text: string;
  scope: CustomerScope;
  language: string;
  /** This turn's key: prefixes the keys of the tool calls it makes. */
  callKey: string;
}

export interface MenuTurnOutput {
  reply: string;
  /** Where the customer is now; absent when the flow ended. */
  state?: MenuState;
  /** A side effect waiting for the customer's YES, exactly as the agent proposes one. */
  pending?: { tool: string; args: unknown; hash: string; callKey: string; summary: string; expiresInMs: number; activity: ToolActivityOptions; quote?: Record<string, unknown> };
  /** The customer chose to talk to a person. */
  escalate?: boolean;
}

const MENU_WORDS = /^(menu|menú|0|start|hi|hello|hola|help|ayuda|options|opciones)$/i;

/**
 * Menu mode, when no language model is configured: a numbered menu reaches every skill, each flow
 * asks for a tool's arguments one at a time, checked by the tool's own schema, and runs the same
 * tools (a side effect goes through the same summary and confirmation). Free text is answered from
 * the knowledge, with its source.
 */
export function createMenuActivities(deps: ActivityDeps) {
  const runner = createToolRunner(deps);

  return {
    async menuTurn(input: MenuTurnInput): Promise<MenuTurnOutput> {
      const t = menuTexts(input.language);
      const text = input.text.trim();
      let calls = 0;
      const callKey = () => `${input.callKey}:menu-${calls++}`;

      /** A read tool's result as text, or the schema's complaint about the customer's input. */
      const read = async (name: string, args: unknown): Promise<{ text: string; result?: unknown } | { invalid: string }> => {
        const checked = checkToolCall(name, JSON.stringify(args));
        if ('error' in checked) return { invalid: checked.error.replace(/^Invalid arguments: /, '') };
        const out = await runner.run(checked.tool, { args: checked.args, scope: input.scope, language: input.language, callKey: callKey() });
        return out.outcome === 'ok' ? { text: describe(name, out.result, t), result: out.result } : { text: out.message ?? '' };
      };
      /** A side effect's summary for the customer to confirm, or why it cannot be done. */
      const propose = async (name: string, args: unknown, state: MenuState): Promise<MenuTurnOutput> => {
        const checked = checkToolCall(name, JSON.stringify(args));
        if ('error' in checked) return { reply: `${t.invalid} ${checked.error.replace(/^Invalid arguments: /, '')}\n${t.again}`, state };
        const key = callKey();
        const preview = await runner.preview({ tool: name, args: checked.args, scope: input.scope, language: input.language, callKey: key });
        if ('refused' in preview) return { reply: `${preview.refused}\n\n${t.again}` };
        const { summary, hash, expiresInMs, quote } = preview;
        return { reply: summary, pending: { tool: name, args: checked.args, hash, callKey: key, summary, expiresInMs, activity: checked.tool.activity, ...(quote ? { quote } : {}) } };
      };
      const choose = (state: MenuState) => {
        const n = Number(text);
        return Number.isInteger(n) && n >= 1 && n <= (state.choices?.length ?? 0) ? state.choices![n - 1]!.value : undefined;
      };
      const repeatChoices = (state: MenuState, title: string): MenuTurnOutput => ({ reply: `${t.pickNumber}\n${numbered(title, state.choices!.map((c) => c.label))}`, state });

      if (MENU_WORDS.test(text)) return { reply: menuText(input.language) };
      const state = input.state;
      if (!state) {
        switch (/^[1-7]$/.test(text) ? Number(text) : 0) {
          case 1: return { reply: t.askQuestion, state: { flow: 'question', step: 1, args: {} } };
          case 2: return { reply: t.askProduct, state: { flow: 'products', step: 1, args: {} } };
          case 3: return { reply: `${(await read('get_order_status', {}) as { text: string }).text}\n\n${t.again}` };
          case 4: return { reply: t.askProduct, state: { flow: 'order', step: 1, args: {} } };
          case 5: return { reply: t.askOrderNumber, state: { flow: 'return', step: 1, args: {} } };
          case 6: return appointmentChoices();
          case 7: return { reply: '', escalate: true };
          default: {
            // Free text: answered from the knowledge when it can be, else the menu.
            const answer = await read('search_knowledge', { query: text.slice(0, 300) });
            if ('invalid' in answer || !(answer.result as { found?: boolean }).found) return { reply: `${t.unknown}\n\n${menuText(input.language)}` };
            return { reply: `${answer.text}\n\n${t.again}` };
          }
        }
      }

      switch (state.flow) {
        case 'question': {
          const answer = await read('search_knowledge', { query: text.slice(0, 300) });
          return { reply: `${'invalid' in answer ? t.unknown : answer.text}\n\n${t.again}` };
        }
        case 'products': {
          const found = await read('search_products', { query: text.slice(0, 200) });
          return 'invalid' in found ? { reply: `${t.invalid} ${found.invalid}`, state } : { reply: `${found.text}\n\n${t.again}` };
        }
        case 'order': {
          if (state.step === 1) {
            const found = await read('search_products', { query: text.slice(0, 200), limit: 9 });
            const products = 'invalid' in found ? [] : ((found.result as { products: { sku: string; name: string; price: string }[] }).products);
            const exact = products.find((p) => p.sku.toLowerCase() === text.toLowerCase());
            const pick = exact ?? (products.length === 1 ? products[0] : undefined);
            if (pick) return { reply: t.askQuantity(pick.name), state: { flow: 'order', step: 3, args: { sku: pick.sku } } };
            if (products.length === 0) return { reply: `${t.noProduct}\n\n${t.again}` };
            const choices = products.map((p) => ({ label: `${p.name} (${p.sku}): ${p.price}`, value: { sku: p.sku, name: p.name } }));
            return { reply: numbered(t.pickProduct, choices.map((c) => c.label)), state: { flow: 'order', step: 2, args: {}, choices } };
          }
          if (state.step === 2) {
            const chosen = choose(state);
            if (!chosen) return repeatChoices(state, t.pickProduct);
            return { reply: t.askQuantity(String(chosen.name)), state: { flow: 'order', step: 3, args: { sku: chosen.sku } } };
          }
          return propose('create_order', { items: [{ sku: state.args.sku, quantity: Number(text) }] }, state);
        }
        case 'return': {
          if (state.step === 1) {
            const orderNumber = /#?(\d{1,12})/.exec(text)?.[1];
            if (!orderNumber) return { reply: `${t.askOrderNumber} (1042)\n${t.again}`, state };
            const reasons = (await deps.settings.get()).returnReasons;
            return { reply: numbered(t.askReason(reasons.join(', ')), reasons), state: { flow: 'return', step: 2, args: { orderNumber }, choices: reasons.map((r) => ({ label: r, value: { reason: r } })) } };
          }
          const reason = choose(state)?.reason ?? text;
          return propose('request_return', { orderNumber: state.args.orderNumber, reason }, state);
        }
        case 'appointments': {
          const chosen = choose(state);
          if (!chosen) return repeatChoices(state, t.pickService);
          if (chosen.action === 'cancel') return propose('cancel_appointment', { appointmentId: chosen.appointmentId }, state);
          const found = await read('find_appointment_slots', { serviceId: chosen.serviceId, days: 7 });
          const slots = 'invalid' in found ? [] : (found.result as { slots: { startsAt: string; when: string }[] }).slots.slice(0, 9);
          if (slots.length === 0) return { reply: `${t.noSlots}\n\n${t.again}` };
          const choices = slots.map((s) => ({ label: s.when, value: { startsAt: s.startsAt } }));
          return { reply: numbered(t.pickSlot, choices.map((c) => c.label)), state: { flow: 'slot', step: 1, args: chosen, choices } };
        }
        case 'slot': {
          const chosen = choose(state);
          if (!chosen) return repeatChoices(state, t.pickSlot);
          return state.args.action === 'move'
            ? propose('reschedule_appointment', { appointmentId: state.args.appointmentId, startsAt: chosen.startsAt }, state)
            : propose('book_appointment', { serviceId: state.args.serviceId, startsAt: chosen.startsAt }, state);
        }
      }

      /** The services to book, and the customer's upcoming appointments to move or cancel. */
      async function appointmentChoices(): Promise<MenuTurnOutput> {
        const found = await read('find_appointment_slots', {});
        const result = ('result' in found ? found.result : {}) as { services?: { serviceId: string; name: string }[]; yourAppointments?: { appointmentId: string; serviceId: string; service: string; when: string }[] };
        const choices = [
          ...(result.services ?? []).map((s) => ({ label: t.book(s.name), value: { action: 'book', serviceId: s.serviceId } })),
          ...(result.yourAppointments ?? []).flatMap((a) => [
            { label: t.move(`${a.service}, ${a.when}`), value: { action: 'move', serviceId: a.serviceId, appointmentId: a.appointmentId } },
            { label: t.cancel(`${a.service}, ${a.when}`), value: { action: 'cancel', appointmentId: a.appointmentId } },
          ]),
        ].slice(0, 9);
        if (choices.length === 0) return { reply: `${t.noServices}\n\n${t.again}` };
        return { reply: numbered(t.pickService, choices.map((c) => c.label)), state: { flow: 'appointments', step: 1, args: {}, choices } };
      }
    },
  };
}
