/**
 * What a producer job reports while it runs and returns when it ends: the
 * routines' progress and result (workers/routines/), as the worker, the admin
 * server, the CLI and Airflow's verify_sink read them.
 */

/** The producer jobs, one per producer routine, named after it. */
export const JOB_NAMES = ['somedata', 'footdata', 'footdata-season'] as const;

/** Where one record landed. */
export interface RecordPosition {
  partition: number;
  offset: string;
}

export interface RoutineResult {
  /** Records acknowledged by Kafka. */
  published: number;
  /** Records (or requests) that failed. */
  failed: number;
  topic: string;
  /** Position of the first record published. */
  firstOffset?: RecordPosition;
  /** Position of the last record published. */
  lastOffset?: RecordPosition;
  /**
   * The highest offset published on each partition, by partition: what a
   * checker compares with the sink's committed offsets (Airflow's verify_sink).
   */
  lastOffsets?: RecordPosition[];
}

export interface RoutineProgress {
  published: number;
  failed: number;
  /** 0 to 100. */
  percent: number;
  /** As in RoutineResult, so a retry of a job knows where its earlier attempts' records went. */
  lastOffsets?: RecordPosition[];
  /** The parts of the work finished (footdata-season: the competitions published), for a retry to skip. */
  done?: string[];
}

/** A footdata match published, so verify_sink can check each one. */
export interface PublishedMatch {
  id: number;
  lastUpdated: string;
}
