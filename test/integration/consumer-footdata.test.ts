/**
 * footdata keeps the latest state of each match: an older state, whenever it
 * arrives, never moves a match backwards; the allow-list filters are counted.
 */
import { COLLECTIONS } from '../../lib/mongo';
import type { Match } from '../../lib/schemas';
import { aMatch, asMessages, footdataEvent, produce, waitForCommitted } from '../../harness/consumer';
import { useSink, type SinkUnderTest } from '../../harness/sink';

const sut = useSink();
const filtered = useSink({ FILTER_FOOT_AREAS: 'FRA' });
beforeAll(async () => {
  await sut.start();
});

const footdata = (under: SinkUnderTest = sut) => under.db.collection(COLLECTIONS.footdata);

/** Publish states of matches one after the other, each consumed (and committed) before the next is sent. */
async function publishInTurn(...states: Match[]): Promise<void> {
  for (const state of states) {
    await produce(sut.kafka, sut.config.kafka.topics.footdata, asMessages([footdataEvent(state)]));
    await waitForCommitted(sut.admin, sut.config.consumer.groupId, sut.config.kafka.topics.footdata);
  }
}

const at = (minute: number) => `2026-11-24T20:${String(minute).padStart(2, '0')}:00Z`;

describe('footdata keeps the latest state of each match', () => {
  it('a newer state, then an older one: the newer stays', async () => {
    const match = aMatch();
    const newer = {
      ...match,
      lastUpdated: at(50),
      minute: 50,
      score: { ...match.score, fullTime: { home: 2, away: 1 } },
    };
    const older = {
      ...match,
      lastUpdated: at(20),
      minute: 20,
      score: { ...match.score, fullTime: { home: 0, away: 0 } },
    };
    await publishInTurn(newer, older);

    const stored = await footdata().findOne({ _id: match.id as never });
    expect(stored).toMatchObject({
      minute: 50,
      lastUpdated: new Date(at(50)),
      score: { fullTime: { home: 2, away: 1 } },
    });
  });

  it('an older state, then a newer one: the newer replaces it, dropping fields that left', async () => {
    const match = aMatch();
    const older = { ...match, lastUpdated: at(20), minute: 20, status: 'IN_PLAY' as const };
    const { minute: _gone, ...finished } = { ...match, lastUpdated: at(59), status: 'FINISHED' as const };
    await publishInTurn(older, finished);

    const stored = await footdata().findOne({ _id: match.id as never });
    expect(stored).toMatchObject({ status: 'FINISHED', lastUpdated: new Date(at(59)) });
    expect(stored).not.toHaveProperty('minute');
  });

  it('several states of one match in a single batch: the newest wins', async () => {
    const match = aMatch();
    const states = [at(30), at(45), at(10)].map((lastUpdated) => footdataEvent({ ...match, lastUpdated }));
    await produce(sut.kafka, sut.config.kafka.topics.footdata, asMessages(states));
    await waitForCommitted(sut.admin, sut.config.consumer.groupId, sut.config.kafka.topics.footdata);

    expect(await footdata().findOne({ _id: match.id as never })).toMatchObject({ lastUpdated: new Date(at(45)) });
  });

  it('stores the fields flat enough to query: competition, area, teams, utcDate, status, score', async () => {
    const match = aMatch({ utcDate: '2026-12-01T19:45:00Z' });
    await publishInTurn(match);

    const found = await footdata()
      .find({
        'competition.code': 'FL1',
        'area.code': 'FRA',
        'homeTeam.name': 'Paris Saint-Germain FC',
        utcDate: { $gte: new Date('2026-12-01T00:00:00Z'), $lt: new Date('2026-12-02T00:00:00Z') },
        status: 'IN_PLAY',
        'score.fullTime.home': 1,
      })
      .toArray();
    expect(found.map((doc) => doc._id)).toEqual([match.id]);
    expect(found[0]).toMatchObject({
      _kafka: { topic: sut.config.kafka.topics.footdata },
      runId: null,
      storedAt: expect.any(Date),
    });
  });
});

describe('filtering by configuration', () => {
  it('FILTER_FOOT_AREAS=FRA keeps only French games; the others are counted and committed, not stored', async () => {
    const { topics } = filtered.config.kafka;
    const french = aMatch();
    const english = aMatch({
      competition: { id: 2021, name: 'Premier League', code: 'PL' },
      area: { id: 2072, name: 'England', code: 'ENG' },
    });
    await produce(filtered.kafka, topics.footdata, asMessages([footdataEvent(french), footdataEvent(english)]));
    const sink = await filtered.start();

    await waitForCommitted(filtered.admin, filtered.config.consumer.groupId, topics.footdata);
    expect(await footdata(filtered).distinct('_id')).toEqual([french.id]);
    const metric = (await sink.registry.getMetricsAsJSON()).find((m) => m.name === 'consumer_records_filtered_total');
    expect(metric?.values).toEqual([
      expect.objectContaining({
        value: 1,
        labels: expect.objectContaining({ topic: topics.footdata, reason: 'area' }),
      }),
    ]);
  });
});
