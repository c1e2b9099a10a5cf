import { readSentiment } from './sentiment';

describe('readSentiment', () => {
  test.each([
    ['This is a SCAM, I want my money back', 'en'],
    ['Worst service ever', 'en'],
    ['I am furious, nobody answers', 'en'],
    ['Servicio pésimo, es una estafa', 'es'],
    ['Me parece fatal lo que habéis hecho', 'es'],
    ['Das ist Betrug und eine Frechheit', 'de'],
    ["C'est une arnaque, service lamentable", 'fr'],
    ['Servizio pessimo, una vergogna', 'it'],
    ['Atendimento péssimo, isso é uma fraude', 'pt'],
    ['I am very upset and disappointed', 'en, two mild words'],
    ['WHERE IS MY ORDER, I AM ANGRY', 'mild word while shouting'],
    ['estoy molesto!!!', 'mild word with exclamations'],
    ['Pesimo servicio', 'without the accent'],
    ['They scammed me', 'word ending'],
  ])('%s → negative (%s)', (text) => {
    const reading = readSentiment(text);
    expect(reading.negative).toBe(true);
    expect(reading.signals.length).toBeGreaterThan(0);
  });

  test.each([
    'Hello, are you open on Sunday?',
    'THANK YOU SO MUCH FOR THE HELP!!!',
    'It was not terrible at all',
    'I am a bit upset', // one mild word, said calmly
    '¿Tenéis la talla 42?',
    'Danke, alles bestens',
    'Merci beaucoup, parfait',
    '',
  ])('%s → not negative', (text) => {
    expect(readSentiment(text)).toEqual({ negative: false, signals: [] });
  });

  test('names its signals', () => {
    expect(readSentiment('THIS IS THE WORST SCAM!!!').signals).toEqual(['worst', 'scam', 'all_caps', 'exclamations']);
  });
});
