import type { ScriptedReply } from '../emulators/openai-emulator';

/**
 * The conversation suites: what a customer writes, what must happen (tools called, what reaches the
 * customer, what changed in the database). `npm test` runs them with the scripted model (each turn's
 * `script` is what the model answers, call by call); `npm run eval` runs the same suites against a
 * real model, which ignores the scripts.
 */
export interface SuiteTurn {
  customer: string;
  /**
   * The scripted model's answers to this message's model calls, in order; a function gets the last
   * tool result. Ignored against a real model.
   */
  script?: ScriptStep[];
  expect: {
    /** Tools the agent must have called this turn (any order, any outcome; others may be called too). */
    tools?: string[];
    /** Each must match what reached the customer this turn (all replies joined). */
    reply?: RegExp[];
    /** The customer's records after this turn. */
    records?: { orders?: number; appointments?: number; returns?: number };
  };
}

export type ScriptStep = ScriptedReply | ((lastToolResult: unknown) => ScriptedReply);

export interface ConversationCase {
  name: string;
  skill: 'knowledge' | 'products' | 'orders' | 'appointments' | 'language' | 'hand-off';
  turns: SuiteTurn[];
}

/** The data every suite runs on: a small shop. */
export const FIXTURE = {
  settings: { businessName: 'Trail & Co.', tone: 'friendly and brief', returnWindowDays: 30 },
  knowledge: [
    { title: 'Opening hours', content: 'We are open Monday to Saturday from 10:00 to 19:00. On Sundays the shop is closed.', locale: 'en' },
    { title: 'Shipping', content: 'Orders ship within two working days. Shipping in Spain costs 4.90 EUR and is free above 60 EUR.', locale: 'en' },
  ],
  products: [
    { sku: 'SOCK-2', name: 'Merino socks', description: 'Warm wool hiking socks, pack of two', price: { amount: 12.5, currency: 'EUR' }, stock: 40 },
    { sku: 'SHOE-1', name: 'Trail running shoe', description: 'Light shoe for mountain trails', price: { amount: 59.9, currency: 'EUR' }, stock: 5 },
  ],
  services: [{ id: 'bike-fitting', name: 'Bike fitting', durationMinutes: 60, timeZone: 'Europe/Madrid', hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['10:00-18:00']])) }],
};

const say = (content: string): ScriptedReply => ({ content });
const call = (name: string, args: Record<string, unknown>): ScriptedReply => ({ toolCalls: [{ name, arguments: args }] });

export const CASES: ConversationCase[] = [
  {
    name: 'answers a question from the knowledge, citing it',
    skill: 'knowledge',
    turns: [{
      customer: 'Are you open on Sundays?',
      script: [call('search_knowledge', { query: 'open Sunday' }), say('No, on Sundays the shop is closed (source: Opening hours).')],
      expect: { tools: ['search_knowledge'], reply: [/closed/i] },
    }],
  },
  {
    name: 'quotes the catalogue price',
    skill: 'products',
    turns: [{
      customer: 'How much are the merino socks?',
      script: [call('search_products', { query: 'merino socks' }), say('The Merino socks (pack of two) cost 12.50 EUR.')],
      expect: { tools: ['search_products'], reply: [/12[.,]50/] },
    }],
  },
  {
    name: 'orders only after the customer confirms the summary',
    skill: 'orders',
    turns: [
      {
        customer: 'I would like to order 2 packs of merino socks (SKU SOCK-2).',
        script: [call('create_order', { items: [{ sku: 'SOCK-2', quantity: 2 }] })],
        expect: { tools: ['create_order'], reply: [/25\.00 EUR/, /YES/], records: { orders: 0 } },
      },
      { customer: 'yes', expect: { reply: [/Order #\d+ is placed/, /\/pay\//], records: { orders: 1 } } },
    ],
  },
  {
    name: 'refuses more than the stock, with the reason',
    skill: 'orders',
    turns: [{
      customer: 'I want to order 500 pairs of the trail running shoe, SKU SHOE-1.',
      script: [call('create_order', { items: [{ sku: 'SHOE-1', quantity: 100 }] }), say('Sorry, we only have 5 in stock.')],
      expect: { reply: [/\b5\b/], records: { orders: 0 } },
    }],
  },
  {
    name: "answers in the customer's language when the data is in English",
    skill: 'language',
    turns: [{
      customer: '¿Cuánto cuestan los calcetines de merino?',
      script: [call('search_products', { query: 'merino socks' }), say('Los calcetines de merino cuestan 12,50 EUR.')],
      expect: { tools: ['search_products'], reply: [/12[.,]50/, /calcetines|merino/i] },
    }],
  },
  {
    name: 'books an appointment after the customer confirms',
    skill: 'appointments',
    turns: [
      {
        customer: 'Can I book a bike fitting? Please pick the first free slot.',
        script: [
          call('find_appointment_slots', { serviceId: 'bike-fitting', days: 7 }),
          (result) => call('book_appointment', { serviceId: 'bike-fitting', startsAt: (result as { slots: { startsAt: string }[] }).slots[0]!.startsAt }),
        ],
        expect: { tools: ['find_appointment_slots', 'book_appointment'], reply: [/Bike fitting/, /YES/], records: { appointments: 0 } },
      },
      { customer: 'yes', expect: { reply: [/^Booked: Bike fitting/m], records: { appointments: 1 } } },
    ],
  },
  {
    name: 'a person when the customer asks for one',
    skill: 'hand-off',
    turns: [{
      customer: 'I want to talk to a human please',
      // The notice is phrased by the model; the hand-off itself happens before it is asked.
      script: [say('Of course: a person from our team will reply here shortly.')],
      expect: { reply: [/person/i] },
    }],
  },
];
