/**
 * How a chaos run hurts the stack, one fault at a time, and heals it again
 * before the next: every kill is followed by a restart, every pause by a
 * resume. The shared services go through infra/stack.sh exactly as the fault
 * tests do (test/faults/broker-loss.test.ts, redis-restart.test.ts); the
 * consumer is the test's own process (test/faults/consumer-crash.test.ts).
 *
 * `healEverything()` is for an afterAll: whatever happened, FerretDB runs
 * again and both brokers and Redis are up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../../harness/env';
import { seconds, sleep } from '../../harness/faults';
import { stack, STACK_DIR } from '../../harness/stack';
import type { PlannedFault } from './schedule';

export interface ChaosTargets {
  /** SIGKILL the consumer under test. */
  killConsumer(): Promise<void>;
  /** Start a consumer again; resolves once it is in the group (or throws after its bound). */
  startConsumer(): Promise<void>;
  /** Every partition of the topic under test has both brokers in its ISR again. */
  replicasWhole(): Promise<boolean>;
}

/** What one fault did, in ms since the load started. */
export interface InjectedFault {
  fault: PlannedFault;
  atMs: number;
  /** When the restore began (the fault's own time is over). */
  restoringAtMs: number;
  /** When the service was back (healthy, in the group, ISR whole). */
  restoredAtMs: number;
  /** How the restore went, e.g. "healthy after 6.1 s, ISR whole 2.0 s later". */
  note: string;
}

/** The process group a stack service runs in: infra/stack.sh starts each with setsid, so its pid leads the group. */
function groupOf(service: string): number {
  return Number(readFileSync(join(STACK_DIR, 'run', `${service}.pid`), 'utf8').trim());
}

/** While FerretDB is stopped: resume it if this process is told to end. */
function resumeOnExit(group: number): () => void {
  const resume = () => {
    try {
      process.kill(-group, 'SIGCONT');
    } catch {
      // gone already
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    resume();
    process.kill(process.pid, signal);
  };
  process.once('exit', resume);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return () => {
    process.off('exit', resume);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

/** Inject `fault`, wait its time, restore, and wait until the service is back. `clock()`: ms since the load started. */
export async function injectFault(
  fault: PlannedFault,
  targets: ChaosTargets,
  clock: () => number,
): Promise<InjectedFault> {
  const atMs = clock();
  let restoringAtMs = atMs;
  let note: string;
  switch (fault.kind) {
    case 'broker-kill': {
      process.kill(-groupOf(fault.target), 'SIGKILL'); // kill -9 -$(cat .stack/run/kafka-broker-N.pid)
      await sleep(fault.downMs);
      restoringAtMs = clock();
      await stack('up', fault.target);
      const healthyAt = clock();
      // The next fault may hit the other broker: wait until this one holds its replicas again.
      const whole = await eventually(targets.replicasWhole, `${fault.target} back in the ISR`, 90_000).catch(
        () => false,
      );
      note = `healthy after ${seconds(healthyAt - restoringAtMs)}, ISR ${whole ? `whole ${seconds(clock() - healthyAt)} later` : 'NOT whole within 90 s'}`;
      break;
    }
    case 'consumer-kill': {
      await targets.killConsumer();
      await sleep(fault.downMs);
      restoringAtMs = clock();
      await targets.startConsumer();
      note = `restarted, in the group after ${seconds(clock() - restoringAtMs)}`;
      break;
    }
    case 'store-pause': {
      const group = groupOf(fault.target);
      const forget = resumeOnExit(group);
      process.kill(-group, 'SIGSTOP'); // kill -STOP -$(cat .stack/run/ferretdb.pid)
      try {
        await sleep(fault.downMs);
      } finally {
        restoringAtMs = clock();
        process.kill(-group, 'SIGCONT');
        forget();
      }
      note = 'resumed (SIGCONT)';
      break;
    }
    case 'redis-restart': {
      await stack('down', fault.target);
      await sleep(fault.downMs);
      restoringAtMs = clock();
      await stack('up', fault.target);
      note = `healthy after ${seconds(clock() - restoringAtMs)}`;
      break;
    }
  }
  return { fault, atMs, restoringAtMs, restoredAtMs: clock(), note };
}

/** For an afterAll: FerretDB resumed, both brokers and Redis up (a no-op for what already runs). */
export async function healEverything(): Promise<void> {
  try {
    process.kill(-groupOf('ferretdb'), 'SIGCONT');
  } catch {
    // not running: `stack up` below starts it
  }
  await stack('up', 'ferretdb', 'kafka-broker-1', 'kafka-broker-2', 'redis');
}

/** `12.3 s broker-kill kafka-broker-2 7.7 s (healthy after 6.1 s, ISR whole 2.0 s later)` */
export const describeInjected = ({ fault, atMs, note }: InjectedFault): string =>
  `${seconds(atMs)} ${fault.kind} ${fault.target} ${seconds(fault.downMs)} (${note})`;
