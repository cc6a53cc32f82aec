/**
 * The season backfill end to end, on real Kafka, Redis and FerretDB: a small
 * fixture season served by the fake football-data.org (fakeSeason: six
 * finished matches, one to come, three a season check must leave out), through
 * the API's season route, a footdata-season job on a worker, the footdata
 * topic and the sink; then the insights' own standings computation
 * (airflow/plugins/kafka_pipeline_provider/insights/standings.py, in the Airflow venv) against a table
 * worked out by hand.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../../lib/config';
import type { RunningApi } from '../../producers/service';
import type { JobResult } from '../../lib/jobs/queue';
import { eventually } from '../../harness/env';
import { startFakeFootballData, type FakeFootballData } from '../../harness/fake-football-data';
import { startTestApi } from '../../harness/producers';
import { useSink } from '../../harness/sink';
import { REPO_DIR, STACK_DIR } from '../../harness/stack';
import { startOwnQueue, withApiUrl, type OwnQueue } from '../../harness/workers';

const PYTHON = join(STACK_DIR, 'airflow', 'venv', 'bin', 'python');
const STORED = [900_001, 900_002, 900_003, 900_004, 900_005, 900_006, 900_007];

const sink = useSink();
let fake: FakeFootballData;
let api: RunningApi;
let own: OwnQueue;

beforeAll(async () => {
  fake = await startFakeFootballData();
  const config: Config = {
    ...sink.config,
    football: { ...sink.config.football, apiUrl: fake.url, token: fake.token, callsPerMinute: 10 },
  };
  api = await startTestApi(config);
  own = await startOwnQueue(withApiUrl(config, api.url));
  await sink.start();
});
afterAll(async () => {
  await own?.close();
  await api?.stop();
  await fake?.close();
});

async function backfill(runId: string): Promise<JobResult> {
  const job = await own.q.add('footdata-season', { runId, competitions: ['PL'], season: 2026 });
  return job.waitUntilFinished(own.q.events, 60_000);
}

/** Every footdata document, by match id. */
async function stored() {
  const docs = await sink.db
    .collection<{ _id: number; runId?: string | null }>('footdata')
    .find({})
    .sort({ _id: 1 })
    .toArray();
  return docs;
}

/** The sink's group has committed every footdata record published so far. */
async function consumedAll(): Promise<boolean> {
  const topic = sink.config.kafka.topics.footdata;
  const [ends, committed] = await Promise.all([
    sink.admin.fetchTopicOffsets(topic),
    sink.admin.fetchOffsets({ groupId: sink.config.consumer.groupId, topics: [topic] }),
  ]);
  const end = ends.reduce((sum, p) => sum + Number(p.offset), 0);
  const done = committed[0]!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  return end > 0 && done === end;
}

describe('the season backfill', () => {
  it('the API serves the season, leaving out what is no match of it, and refuses a code or season it cannot ask for', async () => {
    const answer = await fetch(`${api.url}/footdata/competitions/PL/matches?season=2026`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-matches-rejected')).toBe('3');
    const body = (await answer.json()) as { count: number; matches: { id: number }[] };
    expect(body.matches.map((m) => m.id)).toEqual(STORED);
    for (const bad of [
      'pl/matches?season=2026',
      'PL/matches?season=9999',
      'PL/matches?season=2026&season=2027',
      'XX1/matches?season=2026',
    ]) {
      const refused = await fetch(`${api.url}/footdata/competitions/${bad}`);
      expect([bad, refused.status]).toEqual([bad, 400]);
    }
  });

  it('stores each match of the season once, and a rerun adds nothing', async () => {
    const first = await backfill('season-e2e-1');
    expect(first).toMatchObject({ published: STORED.length, failed: 0, done: ['PL'], rejected: 3 });
    await eventually(async () => (await stored()).length === STORED.length && consumedAll(), 'the season stored');
    const before = await stored();
    expect(before.map((doc) => doc._id)).toEqual(STORED);
    expect(new Set(before.map((doc) => doc.runId))).toEqual(new Set(['season-e2e-1']));

    const again = await backfill('season-e2e-2');
    expect(again).toMatchObject({ published: STORED.length, failed: 0 });
    await eventually(() => consumedAll(), 'the rerun consumed');
    // The same documents, untouched: same event, same store time, no second copy.
    expect(await stored()).toEqual(before);
  });

  it("the insights' standings of the stored season equal the table worked out by hand", async () => {
    if (!existsSync(PYTHON)) throw new Error(`no Airflow venv at ${PYTHON}: run bash infra/stack.sh prepare airflow`);
    const script = [
      'import json, sys',
      'from datetime import datetime, timezone',
      'from pymongo import MongoClient',
      'from kafka_pipeline_provider.insights.standings import compute_standings',
      'from kafka_pipeline_provider.insights.store import HOUR, Interval',
      'db = MongoClient(sys.argv[1], tz_aware=True)[sys.argv[2]]',
      'end = datetime(2027, 6, 1, tzinfo=timezone.utc)',
      'compute_standings(db, Interval(end.replace(hour=0) - HOUR, end))',
      'print(json.dumps(db["standings"].find_one({"_id": "PL:2026"}), default=str))',
    ].join('\n');
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script, sink.config.mongo.url, sink.config.mongo.db], {
      env: { ...process.env, PYTHONPATH: join(REPO_DIR, 'airflow', 'plugins') },
      timeout: 60_000,
    });
    const standings = JSON.parse(stdout) as { matches: number; table: Record<string, unknown>[] };
    expect(standings.matches).toBe(6);
    const row = (
      position: number,
      name: string,
      [played, won, drawn, lost, goalsFor, goalsAgainst, points]: number[],
    ) => ({
      position,
      team: expect.objectContaining({ name }),
      played,
      won,
      drawn,
      lost,
      goalsFor,
      goalsAgainst,
      goalDifference: goalsFor! - goalsAgainst!,
      points,
    });
    // ARS 2-0 CHE, LIV 1-1 MCI, CHE 3-1 LIV, MCI 0-1 ARS, ARS 2-2 LIV, CHE 0-0 MCI.
    expect(standings.table).toEqual([
      row(1, 'Arsenal FC', [3, 2, 1, 0, 5, 2, 7]),
      row(2, 'Chelsea FC', [3, 1, 1, 1, 3, 3, 4]),
      row(3, 'Manchester City FC', [3, 0, 2, 1, 1, 2, 2]),
      row(4, 'Liverpool FC', [3, 0, 2, 1, 4, 6, 2]),
    ]);
  });
});
