/**
 * `stack.sh down` signals only processes the stack started. A pid file can
 * outlive its process (a reboot, a crash): when the number is reused by
 * someone else's process-group leader, `down` must leave that process alone.
 *
 * Runs against a state folder of its own (STACK_DIR in a temp dir), so the
 * shared stack's pid files are never touched; `make test` runs it with the
 * "stack" project all the same (it starts `stack.sh`, which reads the registry).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_DIR } from '../../harness/stack';

const run = promisify(execFile);
let stackDir: string;
const started: ChildProcess[] = [];

/** A `sleep` in a session of its own: its pid leads its own process group, as a service's does. */
function unrelatedGroupLeader(): ChildProcess {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
  started.push(child);
  return child;
}

/** The process exists and has not exited (a zombie waits only to be reaped). */
function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .startsWith('Z');
  } catch {
    return false;
  }
}

async function down(service: string): Promise<string> {
  const { stdout } = await run('bash', [join(REPO_DIR, 'infra', 'stack.sh'), 'down', service], {
    env: { ...process.env, STACK_DIR: stackDir, STACK_STOP_TIMEOUT: '2' },
    timeout: 30_000,
  });
  return stdout;
}

beforeEach(() => {
  stackDir = mkdtempSync(join(tmpdir(), 'stack-foreign-pid-'));
  mkdirSync(join(stackDir, 'run'), { recursive: true });
});
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  rmSync(stackDir, { recursive: true, force: true });
});

it('leaves alone a process that reused the pid of a stale pid file (written before it started)', async () => {
  const pidFile = join(stackDir, 'run', 'admin.pid');
  const sleep = unrelatedGroupLeader();
  // The pid file of a service that ran an hour ago, before a reboot.
  writeFileSync(pidFile, `${sleep.pid}\n`);
  const anHourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(pidFile, anHourAgo, anHourAgo);

  await down('admin');

  expect(alive(sleep.pid!)).toBe(true);
  expect(existsSync(pidFile)).toBe(false); // forgotten: it was not ours
});

it('leaves alone a live process whose start time is not the one recorded when the service started', async () => {
  const sleep = unrelatedGroupLeader();
  writeFileSync(join(stackDir, 'run', 'admin.pid'), `${sleep.pid}\n`);
  // What stack.sh recorded for the process it started: another boot, another start time.
  writeFileSync(join(stackDir, 'run', 'admin.start'), '00000000-0000-0000-0000-000000000000 12345\n');

  await down('admin');

  expect(alive(sleep.pid!)).toBe(true);
});

it('still stops a process whose recorded start matches (the service it started)', async () => {
  const sleep = unrelatedGroupLeader();
  const stat = readFileSync(`/proc/${sleep.pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  writeFileSync(join(stackDir, 'run', 'admin.pid'), `${sleep.pid}\n`);
  writeFileSync(join(stackDir, 'run', 'admin.start'), `${bootId} ${stat[19]}\n`);

  const output = await down('admin');

  expect(output).toMatch(/admin\s+stopped/);
  expect(alive(sleep.pid!)).toBe(false);
});
