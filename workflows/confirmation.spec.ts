import { answerToSummary, confirmationAnswer } from './confirmation';

describe('confirming a summary', () => {
  const shownAt = '2026-12-01T10:00:00.000Z';
  const at = (seconds: number) => new Date(Date.parse(shownAt) + seconds * 1000).toISOString();

  test('only a bare yes or no, in any of the languages, with courtesy words, is an answer', () => {
    for (const yes of ['yes', 'Yes please', 'sí', 'ok, gracias', 'ja bitte', 'oui', '👍']) expect(confirmationAnswer(yes)).toBe('yes');
    for (const no of ['no', 'No thanks', 'nein', 'cancelar']) expect(confirmationAnswer(no)).toBe('no');
    for (const other of ['yes but make it 3', 'what is the total?', '', '2']) expect(confirmationAnswer(other)).toBeUndefined();
  });

  test('every message must say it, after the summary reached the customer', () => {
    expect(answerToSummary([{ body: 'yes', receivedAt: at(5) }], shownAt)).toBe('yes');
    expect(answerToSummary([{ body: 'yes', receivedAt: at(5) }, { body: 'ok', receivedAt: at(6) }], shownAt)).toBe('yes');
    // Written while the summary was being prepared: it cannot confirm what the customer had not seen.
    expect(answerToSummary([{ body: 'ok thanks', receivedAt: at(-3) }], shownAt)).toBeUndefined();
    // A change of mind next to a yes confirms nothing.
    expect(answerToSummary([{ body: 'make it 3', receivedAt: at(2) }, { body: 'yes', receivedAt: at(3) }], shownAt)).toBeUndefined();
    expect(answerToSummary([{ body: 'yes', receivedAt: at(2) }, { body: 'no', receivedAt: at(3) }], shownAt)).toBeUndefined();
  });
});
