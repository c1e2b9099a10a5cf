import { luhn, patternProblem, redact, WITHHELD } from './redaction';

const cardsOnly = { cards: true, patterns: [] };

describe('redaction', () => {
  it.each([
    ['plain', 'my card is 4242424242424242 thanks', 'my card is [card •••• 4242] thanks'],
    ['spaced', 'card 4242 4242 4242 4242', 'card [card •••• 4242]'],
    ['dashed', '5555-5555-5555-4444 exp 12/27', '[card •••• 4444] exp 12/27'],
    ['followed by the expiry as digits', '4000 0566 5566 5556 12 27 cvc 123', '[card •••• 5556] 12 27 cvc 123'],
    ['Amex, 15 digits in 4-6-5 groups', 'amex 3782 822463 10005', 'amex [card •••• 0005]'],
    ['two cards', '4242424242424242 or 4000056655665556', '[card •••• 4242] or [card •••• 5556]'],
    ['at the start of a line', '4242424242424242\nis it ok?', '[card •••• 4242]\nis it ok?'],
    ['dotted', 'it is 4242.4242.4242.4242', 'it is [card •••• 4242]'],
    ['with double spaces', '4242  4242  4242  4242 ok', '[card •••• 4242] ok'],
    ['with non-breaking spaces', '4242\u00a04242\u00a04242\u00a04242', '[card •••• 4242]'],
  ])('redacts a card number: %s', (_, input, expected) => {
    const result = redact(input, cardsOnly);
    expect(result.text).toBe(expected);
    expect(result.kinds).toEqual(['card']);
  });

  it.each([
    ['a number failing the Luhn check', 'order 4242424242424241'],
    ['a phone number', 'call me on +34 612 345 678'],
    ['a short number', 'order 12345'],
    ['a date and amounts', 'on 2026-11-30 I paid 1200 and 3400'],
    ['more than 19 digits', 'tracking 42424242424242424242424'],
  ])('leaves %s alone', (_, input) => {
    expect(redact(input, cardsOnly)).toEqual({ text: input, kinds: [] });
  });

  it('redacts nothing when cards are off', () => {
    expect(redact('4242424242424242', { cards: false, patterns: [] }).text).toBe('4242424242424242');
  });

  it('applies configured patterns with their names', () => {
    const settings = { cards: true, patterns: [{ name: 'DNI', pattern: '\\b\\d{8}[A-Z]\\b', flags: 'i' as const }] };
    const result = redact('mi DNI es 12345678z y la tarjeta 4242 4242 4242 4242', settings);
    expect(result.text).toBe('mi DNI es [DNI redacted] y la tarjeta [card •••• 4242]');
    expect(result.kinds.sort()).toEqual(['DNI', 'card']);
  });

  it('runs configured patterns before cards, so a pattern sees the whole value', () => {
    const iban = { name: 'IBAN', pattern: '\\b[A-Z]{2}\\d{2}(?: ?\\d{4}){5}\\b' };
    const text = 'IBAN ES91 2100 0418 4502 0005 1332 please';
    expect(redact(text, { cards: true, patterns: [iban] })).toEqual({ text: 'IBAN [IBAN redacted] please', kinds: ['IBAN'] });
  });

  it('stops a pattern that backtracks catastrophically and withholds the message (fail closed)', () => {
    const started = performance.now();
    const result = redact(`${'a'.repeat(40)} my card 4242424242424242`, { cards: true, patterns: [{ name: 'slow', pattern: '((a+))+b' }] });
    expect(result).toEqual({ text: WITHHELD, kinds: ['unchecked'], timedOut: true });
    expect(performance.now() - started).toBeLessThan(5_000); // not minutes: interrupted at PATTERN_TIMEOUT_MS
  });

  it('skips a stored pattern that no longer compiles instead of failing every message', () => {
    expect(redact('hello 4242424242424242', { cards: true, patterns: [{ name: 'broken', pattern: '([0-9' }] }).text).toBe('hello [card •••• 4242]');
  });

  it('checks the Luhn sum', () => {
    expect(luhn('4242424242424242')).toBe(true);
    expect(luhn('4242424242424241')).toBe(false);
    expect(luhn('378282246310005')).toBe(true);
  });

  it('refuses patterns that do not compile, match empty text or nest quantifiers', () => {
    expect(patternProblem({ name: 'x', pattern: '\\d{8}[A-Z]' })).toBeNull();
    expect(patternProblem({ name: 'x', pattern: '([a-z' })).toMatch(/not a valid regular expression/);
    expect(patternProblem({ name: 'x', pattern: '\\d*' })).toMatch(/empty text/);
    expect(patternProblem({ name: 'x', pattern: '(a+)+b' })).toMatch(/nests quantifiers/);
    expect(patternProblem({ name: 'x', pattern: '(\\d{2,})*x' })).toMatch(/nests quantifiers/);
    expect(patternProblem({ name: 'x', pattern: 'a'.repeat(201) })).toMatch(/at most 200/);
  });
});
