import { compareResultSets } from './result-sets';

describe('compareResultSets', () => {
  const unordered = { orderMatters: false };
  const ordered = { orderMatters: true };

  it('compares rows by values in column order, whatever the columns are called', () => {
    expect(compareResultSets([{ city: 'Madrid', n: 3 }], [{ c: 'Madrid', orders: 3 }], unordered)).toEqual({ equal: true });
    expect(compareResultSets([{ city: 'Madrid', n: 4 }], [{ c: 'Madrid', orders: 3 }], unordered).equal).toBe(false);
    expect(compareResultSets([{ n: 3, city: 'Madrid' }], [['Madrid', 3]], unordered).equal).toBe(false);
  });

  it('compares a single value as a value: numeric strings and numbers agree', () => {
    expect(compareResultSets([{ count: '60' }], [[60]], unordered)).toEqual({ equal: true });
    expect(compareResultSets([{ count: 61 }], [[60]], unordered)).toMatchObject({ equal: false, why: 'value [61] instead of [60]' });
  });

  it('holds order only when it matters', () => {
    const a = [['Barcelona', 10], ['Madrid', 5]];
    const b = [['Madrid', 5], ['Barcelona', 10]];
    expect(compareResultSets(b, a, unordered).equal).toBe(true);
    const r = compareResultSets(b, a, ordered);
    expect(r.equal).toBe(false);
    expect(r.why).toContain('wrong order');
  });

  it('refuses extra, missing and repeated rows', () => {
    expect(compareResultSets([['a', 1], ['b', 2], ['c', 3]], [['a', 1], ['b', 2]], unordered)).toMatchObject({ equal: false, why: '3 rows instead of 2' });
    expect(compareResultSets([['a', 1], ['a', 1]], [['a', 1], ['b', 2]], unordered).equal).toBe(false);
    expect(compareResultSets([['a', 1, 'x']], [['a', 1]], unordered).equal).toBe(false);
  });

  it('compares numbers within the tolerance only', () => {
    expect(compareResultSets([[12.344]], [[12.34]], { orderMatters: false, tolerance: 0.01 }).equal).toBe(true);
    expect(compareResultSets([[12.36]], [[12.34]], { orderMatters: false, tolerance: 0.01 }).equal).toBe(false);
    expect(compareResultSets([[12.3400001]], [[12.34]], unordered).equal).toBe(true);
    expect(compareResultSets([[12.35]], [[12.34]], unordered).equal).toBe(false);
  });

  it('treats a day as a date or as midnight UTC, and nulls as nulls', () => {
    expect(compareResultSets([['2025-03-03T00:00:00.000Z', 2], ['2025-03-10', null]], [['2025-03-03', 2], [new Date('2025-03-10T00:00:00Z'), null]], ordered).equal).toBe(true);
    expect(compareResultSets([['2025-03-03T10:00:00.000Z', 2], ['2025-03-10', null]], [['2025-03-03', 2], ['2025-03-10', null]], ordered).equal).toBe(false);
    expect(compareResultSets([['x', null], ['y', 1]], [['x', 0], ['y', 1]], unordered).equal).toBe(false);
  });
});
