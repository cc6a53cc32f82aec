import fc from 'fast-check';
import { compareBy, compareValues, matches, runInMemory } from './in-memory-query';

describe('in-memory queries follow MongoDB', () => {
  it('compares within a type only (type bracketing) and orders types as BSON does', () => {
    expect(matches({ a: 5 }, { a: { $gt: 'x' } })).toBe(false);
    expect(matches({ a: 'y' }, { a: { $gt: 'x' } })).toBe(true);
    expect(matches({ d: new Date(10) }, { d: { $gte: new Date(10), $lt: new Date(11) } })).toBe(true);
    expect(matches({}, { a: null })).toBe(true);
    expect(matches({ a: null }, { a: { $gt: null } })).toBe(false);
    expect([new Date(0), 'a', 3, null].sort(compareValues)).toEqual([null, 3, 'a', new Date(0)]);
  });

  it('orders strings by their UTF-8 bytes', () => {
    // U+FF21 sorts before U+1F600 in UTF-8, after it in UTF-16.
    expect(compareValues('\uff21', '\u{1f600}')).toBeLessThan(0);
  });

  it('walks dotted paths, $and and $or', () => {
    const doc = { competition: { code: 'PL' }, status: 'FINISHED' };
    expect(
      matches(doc, { $and: [{ 'competition.code': 'PL' }, { $or: [{ status: 'X' }, { status: 'FINISHED' }] }] }),
    ).toBe(true);
    expect(matches(doc, { 'competition.code.x': 'PL' })).toBe(false);
  });

  it('refuses what it does not implement rather than answer differently', () => {
    expect(() => matches({ a: 1 }, { a: { $in: [1] } })).toThrow('$in');
    expect(() => matches({ a: 1 }, { $nor: [] })).toThrow('$nor');
    expect(() => matches({ a: { b: 1 } }, { a: { b: 1 } })).toThrow('equality on a document');
  });

  it('answers a query as filtering everything, sorting and cutting would (property)', () => {
    const doc = fc.record({ _id: fc.integer(), g: fc.constantFrom('a', 'b', 'c'), t: fc.integer({ min: 0, max: 20 }) });
    fc.assert(
      fc.property(
        fc.uniqueArray(doc, { selector: (d) => d._id, maxLength: 60 }),
        fc.option(fc.constantFrom('a', 'b', 'c')),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 22 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        (docs, g, from, to, limit, sameOrder) => {
          const sort = sameOrder ? { t: 1 as const, _id: 1 as const } : { t: -1 as const, _id: 1 as const };
          const kept = [...docs].sort(compareBy({ t: 1, _id: 1 }));
          const filter = { $and: [...(g ? [{ g }] : []), { t: { $gte: from } }, { t: { $lt: to } }] };
          const expected = docs
            .filter((d) => (!g || d.g === g) && d.t >= from && d.t < to)
            .sort((x, y) => (x.t - y.t) * sort.t || x._id - y._id)
            .slice(0, limit);
          const got = runInMemory(kept, { t: 1, _id: 1 }, { collection: 'footdata', filter, sort, limit });
          expect(got).toEqual(expected);
        },
      ),
    );
  });
});
