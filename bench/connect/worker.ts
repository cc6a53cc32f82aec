/**
 * Kafka Connect standalone (org.apache.kafka.connect.cli.ConnectStandalone,
 * from the Kafka jars `make up` copied into .stack/kafka/libs) running one
 * MongoDB sink connector, as a child JVM: for bench/connector.ts.
 *
 * The connector's jar is copied from Maven Central into .stack/connect/plugins
 * the first time (bench/connect/pom.xml; about 8 MB, some 30 s cold), by
 * `make bench`, never by CI, and given the ServiceLoader manifests Kafka
 * Connect looks for (Kafka's ConnectPluginPath sync-manifests). The JVM is stopped with SIGTERM (Connect's
 * shutdown hook stops the task), and killed if it is still there after
 * `stopTimeoutMs`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_DIR, STACK_DIR } from '../../harness/stack';
import { toProperties, workerSettings, type ConnectorSettingsOptions, connectorSettings } from './settings';

const POM = join(REPO_DIR, 'bench', 'connect', 'pom.xml');
const LOG4J = join(REPO_DIR, 'bench', 'connect', 'log4j2.xml');
export const PLUGIN_DIR = join(STACK_DIR, 'connect', 'plugins');

/**
 * The directory holding the connector's jar, copied from Maven Central once
 * per content of bench/connect/pom.xml (a marker file, as infra/kafka/kafka.sh does).
 */
export async function preparePlugin(): Promise<string> {
  const marker = join(PLUGIN_DIR, `.pom-${createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 16)}`);
  if (existsSync(marker)) return PLUGIN_DIR;
  const staging = `${PLUGIN_DIR}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  try {
    await promisify(execFile)(
      'mvn',
      ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`],
      { timeout: 300_000, maxBuffer: 10 * 1024 * 1024 },
    );
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`mvn could not copy the connector jar (${POM}):\n${`${stdout}${stderr}`.slice(-2_000)}`, {
      cause: error,
    });
  }
  if (!readdirSync(staging).some((file) => /^mongo-kafka-connect-.*-all\.jar$/.test(file)))
    throw new Error(`mvn copied no mongo-kafka-connect-*-all.jar into ${staging}`);
  // The jar has no ServiceLoader manifests: Kafka's own tool adds them (KIP-898), so the
  // worker starts with plugin.discovery=service_load instead of scanning every jar (a minute here).
  await promisify(execFile)(
    'java',
    [
      '-cp',
      join(STACK_DIR, 'kafka', 'libs', '*'),
      'org.apache.kafka.tools.ConnectPluginPath',
      'sync-manifests',
      '--plugin-path',
      staging,
    ],
    { timeout: 300_000, maxBuffer: 10 * 1024 * 1024 },
  );
  writeFileSync(join(staging, marker.slice(PLUGIN_DIR.length + 1)), '');
  rmSync(PLUGIN_DIR, { recursive: true, force: true });
  renameSync(staging, PLUGIN_DIR);
  return PLUGIN_DIR;
}

/** A free TCP port on 127.0.0.1 (the kernel's pick; closed again before Connect binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ConnectWorkerOptions {
  brokers: string[];
  connector: ConnectorSettingsOptions;
  /** Heap of the worker JVM. Default: '512m'. */
  heap?: string;
  /** How long start() waits for every task to be RUNNING. Default: 90_000 ms. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default: 15_000 ms. */
  stopTimeoutMs?: number;
  /** Called with the JVM's pid as soon as it is spawned (before start() resolves). */
  onSpawn?: (pid: number) => void;
}

export interface ConnectWorker {
  /** The JVM's pid: its CPU is the connector's. */
  pid: number;
  restPort: number;
  /** The worker's log so far (WARN and above, bench/connect/log4j2.xml). */
  log(): string;
  /** SIGTERM, then SIGKILL after stopTimeoutMs; removes the run's files. Safe to call twice. */
  stop(): Promise<void>;
}

interface ConnectorStatus {
  connector?: { state?: string };
  tasks?: { id: number; state: string; trace?: string }[];
}

/** Start a standalone worker with one connector, and wait until its connector and every task are RUNNING. */
export async function startConnectWorker(options: ConnectWorkerOptions): Promise<ConnectWorker> {
  const pluginPath = await preparePlugin();
  const dir = mkdtempSync(join(tmpdir(), 'bench-connect-'));
  const restPort = await freePort();
  const workerFile = join(dir, 'worker.properties');
  const connectorFile = join(dir, 'connector.properties');
  writeFileSync(
    workerFile,
    toProperties(workerSettings({ brokers: options.brokers, restPort, offsetsFile: join(dir, 'offsets'), pluginPath })),
  );
  writeFileSync(connectorFile, toProperties(connectorSettings(options.connector)), { mode: 0o600 });
  const logFile = join(dir, 'connect.log');
  const logStream = createWriteStream(logFile);
  let log = '';
  const child: ChildProcess = spawn(
    'java',
    [
      `-Xms${options.heap ?? '512m'}`,
      `-Xmx${options.heap ?? '512m'}`,
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${LOG4J}`,
      '-cp',
      join(STACK_DIR, 'kafka', 'libs', '*'),
      'org.apache.kafka.connect.cli.ConnectStandalone',
      workerFile,
      connectorFile,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (child.pid) options.onSpawn?.(child.pid);
  const capture = (chunk: Buffer) => {
    if (log.length < 1_000_000) log += String(chunk);
    logStream.write(chunk);
  };
  child.stdout!.on('data', capture);
  child.stderr!.on('data', capture);
  // Never outlive this process (a benchmark that throws or exits early): SIGKILL on its exit.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.removeListener('exit', killOnExit);
      resolve();
    }),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (alive()) child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(resolve, options.stopTimeoutMs ?? 15_000, 'timeout').unref(),
      );
      if ((await Promise.race([exited, timeout])) === 'timeout' && alive()) {
        child.kill('SIGKILL');
        await exited;
      }
      logStream.end();
      rmSync(dir, { recursive: true, force: true });
    })());

  const worker: ConnectWorker = { pid: child.pid!, restPort, log: () => log, stop };
  try {
    await waitUntilRunning(restPort, options.connector.name, options.startTimeoutMs ?? 90_000, alive, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return worker;
}

async function waitUntilRunning(
  port: number,
  name: string,
  timeoutMs: number,
  alive: () => boolean,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`Kafka Connect exited while starting:\n${log().slice(-3_000)}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/connectors/${name}/status`, {
        signal: AbortSignal.timeout(2_000),
      });
      if (response.ok) {
        const status = (await response.json()) as ConnectorStatus;
        const failed = status.tasks?.find((task) => task.state === 'FAILED');
        if (failed) throw new Error(`connector task ${failed.id} FAILED: ${failed.trace?.slice(0, 2_000)}`);
        if (
          status.connector?.state === 'RUNNING' &&
          status.tasks?.length &&
          status.tasks.every((t) => t.state === 'RUNNING')
        )
          return;
        last = JSON.stringify(status).slice(0, 500);
      } else last = `HTTP ${response.status}`;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('connector task')) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `Kafka Connect: connector ${name} not RUNNING after ${timeoutMs} ms (${last}):\n${log().slice(-3_000)}`,
  );
}

/** The task states of a running worker's connector (a FAILED task ends a drain early). */
export async function taskFailure(worker: ConnectWorker, name: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${worker.restPort}/connectors/${name}/status`, {
      signal: AbortSignal.timeout(2_000),
    });
    const status = (await response.json()) as ConnectorStatus;
    const failed = status.tasks?.find((task) => task.state === 'FAILED');
    return failed ? `task ${failed.id} FAILED: ${failed.trace?.slice(0, 2_000)}` : undefined;
  } catch {
    return undefined;
  }
}
