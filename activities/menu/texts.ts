/** Menu mode's fixed texts: English and Spanish, English for other languages. */
const TEXTS = {
  en: {
    intro: 'Automatic assistant (menu mode: no AI model is connected). Reply with a number:',
    options: ['Ask a question', 'Products and prices', 'My orders', 'Place an order', 'Return an order', 'Appointments', 'Talk to a person'],
    again: 'Reply MENU for the options.',
    askQuestion: 'What would you like to know?',
    unknown: 'I could not find that in our information.',
    askProduct: 'What are you looking for? Send a name or a SKU.',
    noProduct: 'No product matches that.',
    pickProduct: 'Which one? Reply with its number:',
    askQuantity: (name: string) => `How many × ${name}?`,
    askOrderNumber: 'Which order number?',
    askReason: (reasons: string) => `Why are you returning it? (${reasons})`,
    pickService: 'Which one? Reply with a number:',
    noServices: 'There are no appointments to book.',
    pickSlot: 'Free times (reply with a number):',
    noSlots: 'No free time in the next days.',
    book: (s: string) => `Book: ${s}`,
    move: (s: string) => `Move: ${s}`,
    cancel: (s: string) => `Cancel: ${s}`,
    invalid: 'Sorry, that is not valid:',
    pickNumber: 'Please reply with one of the numbers.',
    noOrders: 'You have no orders yet.',
    source: 'Source',
  },
  es: {
    intro: 'Asistente automático (modo menú: no hay un modelo de IA conectado). Responde con un número:',
    options: ['Hacer una pregunta', 'Productos y precios', 'Mis pedidos', 'Hacer un pedido', 'Devolver un pedido', 'Citas', 'Hablar con una persona'],
    again: 'Responde MENÚ para ver las opciones.',
    askQuestion: '¿Qué quieres saber?',
    unknown: 'No he encontrado eso en nuestra información.',
    askProduct: '¿Qué buscas? Envía un nombre o una referencia (SKU).',
    noProduct: 'Ningún producto coincide.',
    pickProduct: '¿Cuál? Responde con su número:',
    askQuantity: (name: string) => `¿Cuántas unidades de ${name}?`,
    askOrderNumber: '¿Qué número de pedido?',
    askReason: (reasons: string) => `¿Por qué lo devuelves? (${reasons})`,
    pickService: '¿Cuál? Responde con un número:',
    noServices: 'No hay citas para reservar.',
    pickSlot: 'Horas libres (responde con un número):',
    noSlots: 'No hay horas libres en los próximos días.',
    book: (s: string) => `Reservar: ${s}`,
    move: (s: string) => `Cambiar: ${s}`,
    cancel: (s: string) => `Cancelar: ${s}`,
    invalid: 'Lo siento, eso no es válido:',
    pickNumber: 'Responde con uno de los números, por favor.',
    noOrders: 'Todavía no tienes pedidos.',
    source: 'Fuente',
  },
};

export type MenuTexts = (typeof TEXTS)['en'];
export const menuTexts = (language: string): MenuTexts => (language === 'es' ? TEXTS.es : TEXTS.en);

/** The top-level menu, numbered. */
export const menuText = (language: string) => {
  const t = menuTexts(language);
  return [t.intro, ...t.options.map((o, i) => `${i + 1}. ${o}`)].join('\n');
};

/** Numbered choices. */
export const numbered = (title: string, labels: string[]) => [title, ...labels.map((l, i) => `${i + 1}. ${l}`)].join('\n');
