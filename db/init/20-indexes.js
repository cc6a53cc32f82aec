// MongoDB init script (mongosh): the pipeline's collections and indexes
// (docs/ARCHITECTURE.md §5), created once when the data volume is new. The services create
// the same indexes at start-up (lib/mongo.ts INDEXES, ensureIndexes), from the
// same lib/mongo-indexes.json; this script makes a fresh database complete before
// any service connects (test/compose/compose.test.ts runs it).
const dbName = process.env.MONGO_DB || 'pipeline';
const pipelineDb = db.getSiblingDB(dbName);

// The one list of indexes, lib/mongo-indexes.json, mounted by docker-compose.yaml.
const indexes = JSON.parse(require('fs').readFileSync('/etc/kafka-pipeline/mongo-indexes.json', 'utf8'));

for (const [collection, specs] of Object.entries(indexes)) {
  const result = pipelineDb.runCommand({ createIndexes: collection, indexes: specs });
  if (result.ok !== 1) throw new Error(`createIndexes on ${dbName}.${collection} failed: ${JSON.stringify(result)}`);
  print(`init: ${dbName}.${collection} indexes ${specs.map((spec) => spec.name).join(', ')}`);
}
