// MongoDB init script (mongosh): the pipeline's collections and indexes
// (docs/ARCHITECTURE.md §5), created once when the data volume is new. The services create
// the same indexes at start-up (lib/mongo.ts INDEXES, ensureIndexes); this
// script makes a fresh database complete before any service connects.
// test/compose/compose.test.ts checks that both define the same indexes.
const dbName = process.env.MONGO_DB || 'pipeline';
const pipelineDb = db.getSiblingDB(dbName);

const indexes = {
  somedata: [
    { key: { runId: 1 }, name: 'runId' },
    { key: { producedAt: 1 }, name: 'producedAt' },
    { key: { storedAt: 1 }, name: 'storedAt' },
  ],
  footdata: [
    { key: { runId: 1 }, name: 'runId' },
    { key: { utcDate: 1 }, name: 'utcDate' },
    { key: { 'competition.code': 1 }, name: 'competition_code' },
    { key: { utcDate: 1, _id: 1 }, name: 'utcDate_id' },
    { key: { 'competition.code': 1, utcDate: 1, _id: 1 }, name: 'competition_utcDate_id' },
    { key: { status: 1, utcDate: 1 }, name: 'status_utcDate' },
    { key: { eventId: 1 }, name: 'eventId' },
    { key: { storedAt: 1 }, name: 'storedAt' },
  ],
  standings: [{ key: { competition: 1, season: -1 }, name: 'competition_season' }],
  somedata_hourly: [
    { key: { hour: 1, term: 1 }, name: 'hour_term' },
    { key: { term: 1, hour: 1 }, name: 'term_hour' },
  ],
  pipeline_volume_hourly: [{ key: { hour: 1 }, name: 'hour' }],
  dead_letters: [{ key: { eventId: 1, failedAt: -1 }, name: 'eventId_failedAt' }],
};

for (const [collection, specs] of Object.entries(indexes)) {
  const result = pipelineDb.runCommand({ createIndexes: collection, indexes: specs });
  if (result.ok !== 1) throw new Error(`createIndexes on ${dbName}.${collection} failed: ${JSON.stringify(result)}`);
  print(`init: ${dbName}.${collection} indexes ${specs.map((spec) => spec.name).join(', ')}`);
}
