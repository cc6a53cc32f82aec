/**
 * A private redis-server (Debian's, the one the stack runs) on a free port,
 * with no persistence and optionally a password (`--requirepass`), for tests
 * that count the commands a server receives (INFO commandstats sees no other
 * client's traffic) or that need a Redis with credentials. The shared Redis on
 * :6379 is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort } from './consumer';
import { eventually } from './env';

export interface PrivateRedis {
  port: number;
  /** REDIS_URL for it, with the password when it has one. */
  url: string;
  /** A client of its own (the test's), connected. */
  client: Redis;
  /** Commands the server ran since the last `resetStats()`, by command name (INFO commandstats). */
  commandCounts(): Promise<Record<string, number>>;
  /** CONFIG RESETSTAT: count from zero. */
  resetStats(): Promise<void>;
  /** Quit the client and SIGKILL the server. */
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Start it with `--requirepass`. Default: none. */
  password?: string;
}

export async function privateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  const child: ChildProcess = spawn('redis-server', args, { stdio: 'ignore' });
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const url = `redis://${auth}127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined); // the test sees failures through its own calls
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      await client.connect().catch(() => undefined);
      return client.status === 'ready';
    },
    `the private redis-server on :${port}`,
    15_000,
  );
  return {
    port,
    url,
    client,
    async commandCounts() {
      const info = await client.info('commandstats');
      const counts: Record<string, number> = {};
      for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts[match[1]!] = Number(match[2]);
      return counts;
    },
    async resetStats() {
      await client.config('RESETSTAT');
    },
    async stop() {
      client.disconnect();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
