/**
 * Who can reach the HTTP servers, and for how long: every Node service's
 * server (the API, the admin, the worker's and the consumer's ops servers),
 * started with the defaults, listens on 127.0.0.1 only; a client that sends
 * its headers a byte a second is cut off after HTTP_HEADERS_TIMEOUT_MS;
 * connections past HTTP_MAX_CONNECTIONS are refused.
 */
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Config } from '../../lib/config';
import { closeServer, createMetricsRegistry, serverPort, startOpsServer } from '../../lib/observability';
import { startAdmin } from '../../admin/server/server';
import { startWorker } from '../../workers/worker';
import { startApi } from '../../producers/service';
import { testConfig, testLogger } from '../../harness/env';

jest.setTimeout(60_000);

const log = testLogger('http-exposure');

/** An address of this machine that is not loopback, when it has one. */
const external = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && !address.internal && address.family === 'IPv4')?.address;

/** Whether a TCP connection to host:port is accepted (within 2 s). */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

interface Started {
  name: string;
  port: number;
  stop(): Promise<unknown>;
}

/**
 * Each service's HTTP server, started the way its entry point starts it but on
 * a free port and with no `host`: what it listens on is the default's doing.
 * The consumer's is `startOpsServer` with the config, as consumer/main.ts calls it.
 */
async function startEveryServer(config: Config): Promise<Started[]> {
  const started: Started[] = [];
  try {
    const api = await startApi(config, log, { port: 0, connectRetries: 3 });
    started.push({ name: 'api', port: api.port, stop: () => api.stop() });
    const admin = await startAdmin(config, log, { port: 0 });
    started.push({ name: 'admin', port: admin.port, stop: () => admin.stop() });
    const worker = await startWorker(config, log, {
      port: 0,
      handlers: {
        somedata: async () => ({ published: 0, failed: 0, topic: config.kafka.topics.somedata }),
        footdata: async () => ({ published: 0, failed: 0, topic: config.kafka.topics.footdata }),
        'footdata-season': async () => ({ published: 0, failed: 0, topic: config.kafka.topics.footdata }),
      },
    });
    started.push({ name: 'worker', port: worker.port!, stop: () => worker.stop() });
    const ops = await startOpsServer({
      service: 'consumer',
      registry: createMetricsRegistry('consumer'),
      port: 0,
      http: config.http,
    });
    started.push({ name: 'consumer', port: serverPort(ops), stop: () => closeServer(ops) });
    return started;
  } catch (error) {
    await Promise.allSettled(started.map((server) => server.stop()));
    throw error;
  }
}

function useEveryServer(overrides: Record<string, string> = {}): { servers: Started[] } {
  const context = { servers: [] as Started[] };
  beforeAll(async () => {
    context.servers = await startEveryServer(testConfig({ ADMIN_PASSWORD: 'exposure-test-password', ...overrides }));
  });
  afterAll(async () => {
    await Promise.allSettled(context.servers.map((server) => server.stop()));
  });
  return context;
}

/** Write `GET /healthz` with its headers never finished, one more byte a second; resolve ms until the server closes. */
function slowLoris(port: number, giveUpMs: number): Promise<number | 'still open'> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ host: '127.0.0.1', port });
    let timer: NodeJS.Timeout | undefined;
    const done = (outcome: number | 'still open') => {
      clearInterval(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.once('connect', () => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      timer = setInterval(() => socket.write('a'), 1_000);
    });
    socket.on('data', () => undefined); // a 408, if the server sends one
    socket.once('close', () => done(Date.now() - started));
    socket.once('error', () => undefined);
    setTimeout(() => done('still open'), giveUpMs);
  });
}

/** A keep-alive connection that asked for /healthz: 'answered' (open, kept) or 'refused' (closed with no answer). */
function openConnection(port: number): Promise<{ socket: Socket; outcome: 'answered' | 'refused' }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.once('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    socket.on('data', (chunk) => {
      answer += String(chunk);
      if (/^HTTP\/1\.1 200/.test(answer)) resolve({ socket, outcome: 'answered' });
    });
    socket.once('error', () => undefined);
    socket.once('close', () => resolve({ socket, outcome: answer ? 'answered' : 'refused' }));
  });
}

describe('with the defaults', () => {
  const context = useEveryServer();

  it('every HTTP server answers on 127.0.0.1 and not on the machine’s other addresses', async () => {
    const seen = [];
    for (const { name, port } of context.servers)
      seen.push({
        name,
        loopback: await connects('127.0.0.1', port),
        ...(external && { [external]: await connects(external, port) }),
      });
    expect(seen).toEqual(
      context.servers.map(({ name }) => ({ name, loopback: true, ...(external && { [external]: false }) })),
    );
  });
});

describe('with HTTP_HEADERS_TIMEOUT_MS=1000 and HTTP_MAX_CONNECTIONS=4', () => {
  const context = useEveryServer({
    HTTP_HEADERS_TIMEOUT_MS: '1000',
    HTTP_REQUEST_TIMEOUT_MS: '2000',
    HTTP_MAX_CONNECTIONS: '4',
  });

  it('cuts off a client that sends its headers a byte a second soon after the headers timeout', async () => {
    const cutAfter = await Promise.all(
      context.servers.map(async ({ name, port }) => ({ name, closedAfterMs: await slowLoris(port, 6_000) })),
    );
    for (const { name, closedAfterMs } of cutAfter) {
      expect({ name, closedAfterMs }).toEqual({ name, closedAfterMs: expect.any(Number) });
      // The timeout is checked every second at most (connectionsCheckingInterval), so 1 s + up to 1 s.
      expect({ name, within: (closedAfterMs as number) < 2_500 }).toEqual({ name, within: true });
    }
  });

  it('refuses connections beyond the cap, and takes new ones once one closes', async () => {
    for (const { name, port } of context.servers) {
      const open = [];
      for (let i = 0; i < 4; i++) open.push(await openConnection(port));
      const beyond = await openConnection(port);
      open[0]!.socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const after = await openConnection(port);
      for (const { socket } of [...open, beyond, after]) socket.destroy();
      expect({
        name,
        capped: open.map(({ outcome }) => outcome),
        beyond: beyond.outcome,
        afterOneClosed: after.outcome,
      }).toEqual({
        name,
        capped: ['answered', 'answered', 'answered', 'answered'],
        beyond: 'refused',
        afterOneClosed: 'answered',
      });
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the server see the closes
    }
  });
});
