/**
 * The fault schedule of a chaos run, drawn from a seed: the same seed gives
 * the same faults, in the same order, with the same pauses and durations, so
 * a run that found something can be replayed (`CHAOS_SEED`). Only how many of
 * them fit in the run depends on the clock (how long each restore took).
 *
 * Faults come in rounds: each round is every kind once, shuffled (a "bag"), so
 * even a short run meets several kinds instead of the same one three times.
 */
import { seededRandom } from '../../producers/football/simulator';

export const FAULT_KINDS = ['broker-kill', 'consumer-kill', 'store-pause', 'redis-restart'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlannedFault {
  kind: FaultKind;
  /** The stack service it hits (`kafka-broker-1` or `-2` for a broker; the others have one target). */
  target: string;
  /** Quiet time before it, after the previous fault was restored, in ms. */
  gapMs: number;
  /** How long it lasts before the restore begins, in ms (a killed consumer: how long before its restart). */
  downMs: number;
}

/** Ranges in ms, [min, max]. */
const GAP_MS: [number, number] = [2_000, 8_000];
const DOWN_MS: Record<FaultKind, [number, number]> = {
  'broker-kill': [3_000, 12_000],
  'consumer-kill': [0, 2_000],
  'store-pause': [2_000, 10_000],
  'redis-restart': [1_000, 5_000],
};

/** The first `count` faults of the schedule of `seed`. */
export function planFaults(seed: number, count = 100): PlannedFault[] {
  const next = seededRandom(seed); // the simulator's mulberry32: the same sequence for the same seed
  const between = ([min, max]: [number, number]) => min + Math.floor(next() * (max - min + 1));
  const faults: PlannedFault[] = [];
  while (faults.length < count) {
    const round = [...FAULT_KINDS];
    for (let index = round.length - 1; index > 0; index--) {
      const other = Math.floor(next() * (index + 1));
      [round[index], round[other]] = [round[other]!, round[index]!];
    }
    for (const kind of round) {
      const target =
        kind === 'broker-kill'
          ? `kafka-broker-${1 + Math.floor(next() * 2)}`
          : { 'consumer-kill': 'consumer', 'store-pause': 'ferretdb', 'redis-restart': 'redis' }[kind];
      faults.push({ kind, target, gapMs: between(GAP_MS), downMs: between(DOWN_MS[kind]) });
    }
  }
  return faults.slice(0, count);
}

/** `broker-kill kafka-broker-2 7.1 s` */
export const describeFault = (fault: PlannedFault): string =>
  `${fault.kind} ${fault.target} ${(fault.downMs / 1000).toFixed(1)} s`;
