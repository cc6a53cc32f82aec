import { aMatch, footdataEvent, somedataEvent } from '../harness/consumer';
import { createFilter } from './filter';

const french = footdataEvent(aMatch());
const english = footdataEvent(
  aMatch({
    competition: { id: 2021, name: 'Premier League', code: 'PL' },
    area: { id: 2072, name: 'England', code: 'ENG' },
  }),
);

describe('the footdata filter', () => {
  it('lets everything through when no allow-list is set', () => {
    const keep = createFilter({ competitions: [], areas: [] });
    expect([french, english, somedataEvent()].map(keep)).toEqual([undefined, undefined, undefined]);
  });

  it('keeps only the allowed areas (the seed\'s "only French games"), whatever the case', () => {
    const keep = createFilter({ competitions: [], areas: ['fra'] });
    expect(keep(french)).toBeUndefined();
    expect(keep(english)).toBe('area');
  });

  it('keeps only the allowed competitions, and never filters somedata', () => {
    const keep = createFilter({ competitions: ['PL'], areas: [] });
    expect(keep(english)).toBeUndefined();
    expect(keep(french)).toBe('competition');
    expect(keep(somedataEvent())).toBeUndefined();
  });

  it('filters a match with no competition code when competitions are listed', () => {
    const keep = createFilter({ competitions: ['FL1'], areas: [] });
    const noCode = footdataEvent(aMatch({ competition: { id: 1, name: 'Friendly', code: null } }));
    expect(keep(noCode)).toBe('competition');
  });
});
