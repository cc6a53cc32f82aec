/**
 * `/footdata` when football-data.org answers a list in which some matches do
 * not fit the v4 schema: the valid ones are served and published, the odd
 * ones counted (metric, warning, `X-Matches-Rejected`); an answer that is not
 * a list of matches at all is a 502 that says so, not "unavailable".
 */
import type { Config } from '../../lib/config';
import { Publisher } from '../../lib/kafka/publisher';
import { produceFootdata } from '../../workers/routines/footdata';
import type { RunningApi } from '../../producers/service';
import { testLogger } from '../../harness/env';
import { fakeMatches, startFakeFootballData, type FakeFootballData } from '../../harness/fake-football-data';
import { freshTopics, readEvents, startTestApi, type TopicsUnderTest } from '../../harness/producers';

let topics: TopicsUnderTest;
let fake: FakeFootballData;
let publisher: Publisher;
const running: RunningApi[] = [];

beforeAll(async () => {
  [topics, fake] = await Promise.all([freshTopics(), startFakeFootballData()]);
  publisher = new Publisher(topics.kafka, { ...topics.config.api.publish, log: testLogger('publisher') });
  await publisher.connect();
});
afterAll(async () => {
  await Promise.all(running.map((api) => api.stop()));
  await publisher?.close();
  await fake?.close();
  await topics?.drop();
});
beforeEach(() => fake.reset());

async function apiWithFake(): Promise<RunningApi> {
  const config: Config = {
    ...topics.config,
    football: { ...topics.config.football, apiUrl: fake.url, token: fake.token, callsPerMinute: 10 },
  };
  const api = await startTestApi(config);
  running.push(api);
  return api;
}

/** Seven matches as the upstream answers them: two of them odd (score null; utcDate unparsable). */
function sevenMatchesTwoOdd(): Record<string, unknown>[] {
  const base = fakeMatches();
  const seven: Record<string, unknown>[] = Array.from({ length: 7 }, (_, index) => ({
    ...base[index % 3]!,
    id: 600_000 + index,
  }));
  seven[2] = { ...seven[2]!, score: null };
  seven[5] = { ...seven[5]!, utcDate: 'Tuesday evening' };
  return seven;
}

describe('GET /footdata with some odd matches', () => {
  it('serves and publishes the five valid matches of seven, and counts the two rejected', async () => {
    fake.matches = sevenMatchesTwoOdd();
    const api = await apiWithFake();
    const response = await fetch(`${api.url}/footdata`);
    const body = (await response.json()) as { count: number; matches: { id: number }[] };
    expect(response.status).toBe(200);
    expect(response.headers.get('x-matches-rejected')).toBe('2');
    expect(body.count).toBe(5);
    expect(body.matches.map((match) => match.id)).toEqual([600_000, 600_001, 600_003, 600_004, 600_006]);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/football_matches_rejected_total\{field="score",service="producers"\} 1/);
    expect(metrics).toMatch(/football_matches_rejected_total\{field="utcDate",service="producers"\} 1/);

    const result = await produceFootdata({
      apiUrl: api.url,
      publisher,
      topic: topics.config.kafka.topics.footdata,
      runId: 'manual__odd-matches',
      source: 'job:odd',
    });
    expect(result).toMatchObject({ published: 5, failed: 0 });
    const stored = await readEvents(topics, topics.config.kafka.topics.footdata);
    expect(stored.map(({ event }) => (event.payload as { id: number }).id).sort()).toEqual([
      600_000, 600_001, 600_003, 600_004, 600_006,
    ]);
  });

  it('answers 502 saying the upstream answered no list of matches, not that it is unavailable', async () => {
    fake.setMode('malformed', { body: JSON.stringify({ resultSet: { count: 1 }, matches: { id: 1 } }) });
    const api = await apiWithFake();
    const response = await fetch(`${api.url}/footdata`);
    const body = (await response.json()) as { error: { message: string } };
    expect(response.status).toBe(502);
    expect(body.error.message).toMatch(/^football-data\.org answered no list of matches \(matches: /);
    expect(body.error.message).not.toMatch(/unavailable/);
  });
});
