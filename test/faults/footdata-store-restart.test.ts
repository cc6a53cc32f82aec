/**
 * Fault: footdata updates stream in while the store is killed and started
 * again, each time in the middle of a write. Every match must end at its
 * newest `lastUpdated`: no state is committed that the store never took.
 *
 * The footdata write model is an unordered bulk of `insertOne` (insert if
 * absent) + `replaceOne` (replace if newer), which the driver sends as two
 * commands: inserts, then replaces. Once the matches are stored, the insert
 * command answers only duplicate keys; the store is then SIGKILLed the moment
 * the replace command goes out (seen through the driver's command
 * monitoring), the worst instant for the sink to tell "written" from "lost".
 *
 * Matches come in four groups; group g gets its updates in rounds 1..g, so
 * every round carries the final state of a quarter of the matches and a
 * state lost in any round shows in the end. The store is a private FerretDB
 * (harness/ferretdb.ts); the consumer runs in-process with the
 * service's default options.
 */
import type { CommandStartedEvent, MongoClient } from 'mongodb';
import { COLLECTIONS, createMongoClient } from '../../lib/mongo';
import { toKafkaMessage } from '../../lib/schemas';
import { aMatch, footdataEvent, produce, waitForCommitted } from '../../harness/consumer';
import { eventually } from '../../harness/env';
import { useSinkOnPrivateStore } from '../../harness/ferretdb';
import { crashesOf } from '../../harness/sink';
import { reportScenario, seconds, sleep } from '../../harness/faults';

jest.setTimeout(240_000);

const GROUPS = 4;
// Small on purpose: with 250 per group (~330 matches per partition batch) the private FerretDB 1.24
// never answered the first footdata bulk, a hang of its own, outside this scenario.
const MATCHES_PER_GROUP = 25;
const DOWN_MS = 1_500;

const { sut, store } = useSinkOnPrivateStore();
let client: MongoClient | undefined;
afterAll(async () => {
  await client?.close();
});

it('with the store killed mid-write in every round of footdata updates, every match ends at its newest lastUpdated', async () => {
  const { config, admin, db } = sut;
  const topic = config.kafka.topics.footdata;
  client = createMongoClient(config.mongo, { monitorCommands: true });
  const crashes = crashesOf(await sut.start(config, { mongoClient: client }));

  // Kill the store when the next replace command of the footdata collection starts, once armed.
  let armed = false;
  let killedInFlight = 0;
  let killing: Promise<void> = Promise.resolve();
  client.on('commandStarted', (event: CommandStartedEvent) => {
    if (!armed || event.commandName !== 'update' || event.command.update !== COLLECTIONS.footdata) return;
    armed = false;
    killedInFlight += 1;
    killing = store()
      .kill()
      .then(() => sleep(DOWN_MS))
      .then(() => store().start());
  });

  // lastUpdated of round r: an hour before now plus r minutes (within the consumer's future tolerance).
  const base = Date.now() - 3_600_000;
  const at = (round: number) => new Date(base + round * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ids = Array.from({ length: GROUPS * MATCHES_PER_GROUP }, () => aMatch().id);
  const groupOf = (index: number) => 1 + (index % GROUPS);
  const round = (r: number) =>
    ids
      .filter((_, index) => groupOf(index) >= r)
      .map((id) => toKafkaMessage(footdataEvent(aMatch({ id, lastUpdated: at(r), minute: r, score: score(r) }))));

  // Round 0 stores every match; no fault.
  let records = ids.length;
  await produce(sut.kafka, topic, round(0));
  await waitForCommitted(admin, config.consumer.groupId, topic, 60_000);

  const started = Date.now();
  const recoveries: number[] = [];
  for (let r = 1; r <= GROUPS; r++) {
    armed = true;
    const messages = round(r);
    records += messages.length;
    await produce(sut.kafka, topic, messages);
    await eventually(async () => !armed, `a replace command in round ${r}`, 30_000);
    await killing;
    const back = Date.now();
    await waitForCommitted(admin, config.consumer.groupId, topic, 90_000);
    recoveries.push(Date.now() - back);
  }

  const stored = new Map(
    (await db.collection<{ _id: number; lastUpdated: Date }>(COLLECTIONS.footdata).find({}).toArray()).map(
      (document) => [document._id, document.lastUpdated.toISOString().replace(/\.\d{3}Z$/, 'Z')],
    ),
  );
  const behind = ids.filter((id, index) => stored.get(id) !== at(groupOf(index)));
  const lostByGroup = Array.from(
    { length: GROUPS },
    (_, g) => behind.filter((id) => groupOf(ids.indexOf(id)) === g + 1).length,
  );

  reportScenario({
    scenario: 'footdata store restart',
    load: `${ids.length} matches, ${GROUPS} rounds of updates (${records} records) in ${seconds(Date.now() - started)}`,
    fault: `private FerretDB SIGKILLed as a replace command went out, ${killedInFlight} times, ${seconds(DOWN_MS)} down each`,
    tally: { acknowledged: ids.length, stored: ids.length - behind.length, lost: behind.length, doubled: 0 },
    recovery: `all committed ${recoveries.map(seconds).join(', ')} after each restart`,
    notes: `matches behind their newest state per group ${lostByGroup.join('/')}; consumer crashes ${crashes.length}`,
  });

  expect(killedInFlight).toBe(GROUPS);
  expect(behind.slice(0, 10).map((id) => [id, stored.get(id)])).toEqual([]);
  expect(stored.size).toBe(ids.length);
  expect(crashes).toEqual([]);
});

function score(round: number) {
  return { winner: null, fullTime: { home: round, away: 0 }, halfTime: { home: Math.min(round, 1), away: 0 } };
}
