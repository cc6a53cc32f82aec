/**
 * A network between one Kafka client and the shared brokers that a test can
 * cut and restore, without stopping the brokers others are using.
 *
 * Why not just a TCP proxy in KAFKA_BROKERS: a client only bootstraps through
 * the addresses it is given; the metadata answer then advertises the brokers'
 * real addresses (127.0.0.1:9092/9093), and every later connection goes there
 * directly — cutting a bootstrap proxy would cut nothing. So there is one TCP
 * proxy per real broker, and the client gets a kafkajs `socketFactory` that
 * sends every connection to a real broker address through that broker's proxy.
 * Bootstrap addresses are the proxies themselves. Every byte between this
 * client and the cluster crosses a proxy, so:
 *
 * - `cut('refuse')`: the proxies stop listening and drop every open
 *   connection — to the client, the brokers are down (connection refused);
 * - `cut('blackhole')`: open connections are dropped, new ones are accepted
 *   but nothing is forwarded — the brokers hang (timeouts, not errors);
 * - `restore()`: the proxies listen and forward again, on the same ports
 *   (after a blackhole, the connections it swallowed are dropped).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { ISocketFactory } from 'kafkajs';

export type Outage = 'refuse' | 'blackhole';

export interface KafkaNetwork {
  /** Give to the client: `createKafka(..., { overrides: { socketFactory, brokers } })`. */
  socketFactory: ISocketFactory;
  /** Bootstrap addresses: the proxies. */
  brokers: string[];
  cut(outage?: Outage): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

interface Proxy {
  target: { host: string; port: number };
  port: number;
  server?: Server;
  sockets: Set<Socket>;
}

export async function startKafkaNetwork(brokers: string[]): Promise<KafkaNetwork> {
  let outage: Outage | undefined;
  const proxies = new Map<string, Proxy>();

  const listen = (proxy: Proxy) =>
    new Promise<void>((resolve, reject) => {
      const server = createServer((client) => {
        proxy.sockets.add(client);
        client.on('close', () => proxy.sockets.delete(client));
        client.on('error', () => client.destroy());
        if (outage === 'blackhole') return; // accepted, never answered
        const upstream = connect(proxy.target.port, proxy.target.host);
        proxy.sockets.add(upstream);
        upstream.on('close', () => {
          proxy.sockets.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => upstream.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(proxy.port, '127.0.0.1', () => {
        proxy.port = (server.address() as { port: number }).port;
        proxy.server = server;
        resolve();
      });
    });

  const dropConnections = (proxy: Proxy) => {
    for (const socket of proxy.sockets) socket.destroy();
    proxy.sockets.clear();
  };

  const stopListening = (proxy: Proxy) =>
    new Promise<void>((resolve) => {
      const server = proxy.server;
      proxy.server = undefined;
      if (!server) return resolve();
      server.close(() => resolve());
      dropConnections(proxy);
    });

  for (const broker of brokers) {
    const [host, port] = broker.split(':') as [string, string];
    const proxy: Proxy = { target: { host, port: Number(port) }, port: 0, sockets: new Set() };
    await listen(proxy);
    proxies.set(broker, proxy);
  }

  const proxyPorts = new Set([...proxies.values()].map((proxy) => proxy.port));
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const proxy = proxies.get(`${host}:${port}`);
    if (!proxy && !(host === '127.0.0.1' && proxyPorts.has(port))) {
      throw new Error(`kafka-network: ${host}:${port} is neither a known broker nor one of its proxies`);
    }
    const socket = connect({ host: '127.0.0.1', port: proxy ? proxy.port : port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };

  return {
    socketFactory,
    brokers: [...proxies.values()].map((proxy) => `127.0.0.1:${proxy.port}`),
    async cut(kind: Outage = 'refuse') {
      outage = kind;
      for (const proxy of proxies.values()) {
        if (kind === 'refuse') await stopListening(proxy);
        else dropConnections(proxy);
      }
    },
    async restore() {
      outage = undefined;
      for (const proxy of proxies.values()) {
        if (proxy.server)
          dropConnections(proxy); // blackholed connections would hang on: start afresh
        else await listen(proxy);
      }
    },
    async close() {
      for (const proxy of proxies.values()) await stopListening(proxy);
    },
  };
}
