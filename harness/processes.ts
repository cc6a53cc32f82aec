/**
 * A service of this repository run as a child process, exactly as the stack
 * runs it (`node --import tsx <entry>`), with its output captured: for tests
 * that kill it with SIGKILL, measure its memory, or read its logs. And the
 * command-line tools, run to their end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { REPO_DIR } from './stack';
import { eventually } from './env';

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once it exited. */
  exited: Promise<number | string | null>;
  /** Send `signal` (default SIGTERM) and wait for the exit; at once when it already exited. */
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}

const running = new Set<ServiceProcess>();

/**
 * Start `entry` (a path from the repository root) with the environment of this
 * process plus `env`, and `nodeArgs` before it (flags NODE_OPTIONS refuses, e.g. --cpu-prof).
 */
export function startService(entry: string, env: Record<string, string>, nodeArgs: string[] = []): ServiceProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: REPO_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const capture = (chunk: Buffer) => {
    output += String(chunk);
    if (process.env.TEST_LOG_LEVEL) process.stderr.write(chunk);
  };
  child.stdout!.on('data', capture);
  child.stderr!.on('data', capture);
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const service: ServiceProcess = {
    child,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  running.add(service);
  void exited.then(() => running.delete(service));
  return service;
}

export interface ToolRun {
  /** The exit code (null when a signal ended it). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a command-line tool of this repository (`node --import tsx <entry> ...args`,
 * as its npm script does) to its end, with this process's environment plus `env`.
 */
export function runTool(entry: string, args: string[], env: Record<string, string> = {}): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', entry, ...args],
      { cwd: REPO_DIR, env: { ...process.env, ...env }, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stdout, stderr }),
    );
  });
}

/** SIGKILL every child started here that is still running (for an afterAll). */
export async function killServices(): Promise<void> {
  await Promise.all([...running].map((service) => service.stop('SIGKILL')));
}

/** Wait until `url` answers 2xx; fails at once, with the child's output, when the child exits first. */
export async function waitUntilAnswers(url: string, service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  let done = false;
  const died = service.exited.then((code) => {
    if (!done) throw new Error(`exited (${code}) before ${url} answered; output:\n${service.output().slice(-3_000)}`);
  });
  try {
    await Promise.race([
      eventually(
        async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok,
        `${url} to answer`,
        timeoutMs,
      ),
      died,
    ]);
  } finally {
    done = true;
  }
}
