/**
 * STORE_BACKEND=postgresql: `stack.sh up postgres ferretdb` starts PostgreSQL
 * and FerretDB on it, the real sink writes into it and dedupes an event sent
 * twice, and `down` stops both (no process left). Runs against a state folder
 * of its own (STACK_DIR in a temp dir) on free ports, so the shared stack
 * (FerretDB on SQLite, :27017) is never touched.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COLLECTIONS } from '../../lib/mongo';
import { asMessages, freePort, produce, somedataEvent, waitForCommitted, waitForCount } from '../../harness/consumer';
import { counter, useSink } from '../../harness/sink';
import { REPO_DIR, STACK_DIR } from '../../harness/stack';

const run = promisify(execFile);
let stackDir: string;
let env: Record<string, string>;

async function stackSh(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [join(REPO_DIR, 'infra', 'stack.sh'), ...args], {
    cwd: REPO_DIR,
    env: { ...process.env, ...env },
    timeout: 170_000,
  });
  return stdout;
}

/** Processes of that stack: its state folder is on their command lines (postgres -D, ferretdb -postgresql-url). */
async function itsProcesses(): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'stat=,args=']);
  return stdout.split('\n').filter((line) => line.includes(stackDir) && !/^Z/.test(line.trim()));
}

beforeAll(async () => {
  stackDir = mkdtempSync(join(tmpdir(), 'pgstack-'));
  // PostgreSQL runs as user postgres under root: it must be able to enter the folder.
  chmodSync(stackDir, 0o755);
  // The stack's FerretDB binary, with its time, so svc_prepare does not build it again.
  const binary = join(STACK_DIR, 'bin', 'ferretdb');
  mkdirSync(join(stackDir, 'bin'));
  copyFileSync(binary, join(stackDir, 'bin', 'ferretdb'));
  const { atime, mtime } = statSync(binary);
  utimesSync(join(stackDir, 'bin', 'ferretdb'), atime, mtime);
  env = {
    STACK_DIR: stackDir,
    STORE_BACKEND: 'postgresql',
    POSTGRES_PORT: String(await freePort()),
    MONGO_URL: `mongodb://127.0.0.1:${await freePort()}`,
  };
  await stackSh('up', 'postgres', 'ferretdb');
}, 180_000);

const sut = useSink(() => ({ MONGO_URL: env.MONGO_URL! }));

afterAll(async () => {
  await stackSh('down').catch(() => undefined);
  rmSync(stackDir, { recursive: true, force: true });
}, 60_000);

it('FerretDB on PostgreSQL: the sink stores each event once (one sent twice), and down stops both', async () => {
  expect(await stackSh('status')).toMatch(/postgres\s+\d+\s+127\.0\.0\.1:\d+\s+healthy/);
  const events = Array.from({ length: 20 }, (_, i) => somedataEvent(`item-${i}`, 2));
  const { somedata } = sut.config.kafka.topics;
  // The first event twice (a producer's retry): two records, one document.
  await produce(sut.kafka, somedata, asMessages([...events, events[0]!]));
  const sink = await sut.start();

  await waitForCount(sut.db, COLLECTIONS.somedata, events.length);
  await waitForCommitted(sut.admin, sut.config.consumer.groupId, somedata);
  const stored = sut.db.collection(COLLECTIONS.somedata);
  expect(await stored.countDocuments()).toBe(events.length);
  expect(new Set(await stored.distinct('_id'))).toEqual(new Set(events.map((event) => event.eventId)));
  expect(await counter(sink, 'consumer_records_written_total')).toBe(events.length);
  expect(await counter(sink, 'consumer_records_duplicate_total')).toBe(1);
  // Read back through an index (lib/mongo-indexes.json), sorted.
  const newest = await stored.find({}).sort({ storedAt: -1 }).limit(1).toArray();
  expect(newest).toHaveLength(1);

  // The documents are in PostgreSQL: FerretDB keeps a database as a schema of its tables.
  const { stdout: tables } = await run('/usr/lib/postgresql/15/bin/psql', [
    ...['-At', '-h', join(stackDir, 'data', 'postgres', 'socket'), '-p', env.POSTGRES_PORT!, '-U', 'ferretdb'],
    ...['-d', 'ferretdb', '-c', `SELECT count(*) FROM pg_tables WHERE schemaname = '${sut.config.mongo.db}'`],
  ]);
  expect(Number(tables.trim())).toBeGreaterThan(0);

  await sink.stop();
  await sut.db.dropDatabase();
  await sut.mongo.close();
  await stackSh('down');
  expect(await itsProcesses()).toEqual([]);
}, 120_000);
