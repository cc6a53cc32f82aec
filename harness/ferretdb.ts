/**
 * A private FerretDB (the stack's binary, .stack/bin/ferretdb) on a free port
 * with a data directory of its own, for tests that kill the store and start it
 * again on the same data. The shared store on :27017 is used by every other
 * test, so it must never be stopped; this one can really die: that exercises
 * what an outage does to the driver (refused connections, a cleared pool,
 * server-selection timeouts, reconnection) and that writes acknowledged before
 * the crash survive it, which a proxy in front of a live store would not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './consumer';
import { eventually } from './env';
import { useSink, type SinkUnderTest } from './sink';
import { STACK_DIR } from './stack';

export interface PrivateStore {
  port: number;
  /** MONGO_URL for it. */
  url: string;
  /** Start it (again, on the same data); resolves once it accepts connections. */
  start(): Promise<void>;
  /** SIGKILL it and wait for the exit; a no-op when it is not running. */
  kill(): Promise<void>;
  /** Kill it and delete its data. */
  remove(): Promise<void>;
  /** Its process id while it runs (to pause it with SIGSTOP). */
  pid(): number | undefined;
}

export async function privateFerretDb(): Promise<PrivateStore> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'ferretdb-'));
  let child: ChildProcess | undefined;

  const portOpen = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });

  const store: PrivateStore = {
    port,
    url: `mongodb://127.0.0.1:${port}`,
    async start() {
      child = spawn(join(STACK_DIR, 'bin', 'ferretdb'), ['-listen-addr', `127.0.0.1:${port}`, '-data-dir', dataDir], {
        stdio: 'ignore',
      });
      await eventually(portOpen, `the private FerretDB on :${port}`, 30_000);
    },
    async kill() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = once(running, 'exit');
      running.kill('SIGKILL');
      await exited;
    },
    async remove() {
      await store.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
  };
  return store;
}

/**
 * For a test file: `useSink` on a private FerretDB, which starts before the
 * sink's set-up (indexes are created in it) and is removed after its tear-down.
 */
export function useSinkOnPrivateStore(): { sut: SinkUnderTest; store(): PrivateStore } {
  let store: PrivateStore | undefined;
  beforeAll(async () => {
    store = await privateFerretDb();
    await store.start();
  });
  const sut = useSink(() => ({ MONGO_URL: store!.url }));
  afterAll(async () => {
    await store?.remove();
  });
  return { sut, store: () => store! };
}
