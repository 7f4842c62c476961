import type { Collection, SegmentData } from './collection';
import { type RestoreState, type RestoreTimeline, restorePointAt } from './restore-timeline';

/** A restore job. Fields after `pinId` change as the clock advances. */
export interface RestoreJob {
  readonly id: string;
  readonly snapshotId: string;
  readonly snapshotName: string;
  readonly sourceDatabase: string;
  readonly sourceCollection: string;
  readonly targetDatabase: string;
  readonly targetCollection: string;
  readonly targetCollectionId: string;
  readonly timeline: RestoreTimeline;
  /** The snapshot's segments, copied into the target in order. */
  readonly segments: readonly SegmentData[];
  /** The automatic pin on the source snapshot. */
  readonly pinId: string;
  state: RestoreState;
  progress: number;
  reason: string;
  copiedSegments: number;
  endedAtMs: number | undefined;
  /** Set only for Completed jobs. */
  timeCostMs: number;
}

/** What a job needs from the rest of the emulator while it advances. */
export interface RestoreEnvironment {
  /** The target collection, or undefined once it has been dropped. */
  targetCollection(job: RestoreJob): Collection | undefined;
  /** Copies one snapshot segment into the target collection. */
  copySegment(target: Collection, segment: SegmentData): void;
  /** Called once when a job reaches Completed or Failed. */
  restoreEnded(job: RestoreJob): void;
}

const STATE_RANK: Record<RestoreState, number> = {
  RestoreSnapshotPending: 0,
  RestoreSnapshotExecuting: 1,
  RestoreSnapshotCompleted: 2,
  RestoreSnapshotFailed: 2,
};

/**
 * Restore jobs, advanced lazily from the clock before every call. Terminal jobs are forgotten
 * `retentionMs` after they end, after which their ID answers 2101 like the server's.
 */
export class RestoreJobRegistry {
  #jobs = new Map<string, RestoreJob>();
  #running = new Set<RestoreJob>();
  #nextExpiryMs = Number.POSITIVE_INFINITY;

  constructor(private readonly retentionMs: number) {}

  /** Registers a new job (already in its initial state). */
  add(job: RestoreJob): void {
    this.#jobs.set(job.id, job);
    this.#running.add(job);
  }

  /** Takes back a job of a saved state, running or ended. */
  adopt(job: RestoreJob): void {
    this.#jobs.set(job.id, job);
    if (job.endedAtMs === undefined) {
      this.#running.add(job);
    } else {
      this.#nextExpiryMs = Math.min(this.#nextExpiryMs, job.endedAtMs + this.retentionMs);
    }
  }

  /** A job by ID, if still remembered. */
  get(jobId: string): RestoreJob | undefined {
    return this.#jobs.get(jobId);
  }

  /** Every remembered job, oldest first. */
  list(): RestoreJob[] {
    return [...this.#jobs.values()];
  }

  /** Brings every job up to `nowMs`: copies segments, ends jobs, forgets expired ones. */
  settle(nowMs: number, env: RestoreEnvironment): void {
    for (const job of this.#running) {
      const target = env.targetCollection(job);
      if (target === undefined) {
        this.#end(
          job,
          'RestoreSnapshotFailed',
          'target collection was dropped during the restore',
          nowMs,
          env,
        );
        continue;
      }
      const point = restorePointAt(job.timeline, nowMs);
      while (job.copiedSegments < point.copiedSegments) {
        const segment = job.segments[job.copiedSegments];
        if (segment !== undefined) {
          env.copySegment(target, segment);
        }
        job.copiedSegments++;
      }
      // Progress and state never go backwards, even if the clock is set back.
      job.progress = Math.max(job.progress, point.progress);
      if (point.endedAtMs !== undefined) {
        this.#end(job, point.state, point.reason, point.endedAtMs, env);
      } else if (STATE_RANK[point.state] > STATE_RANK[job.state]) {
        job.state = point.state;
      }
    }
    if (nowMs >= this.#nextExpiryMs) {
      this.#forgetExpired(nowMs);
    }
  }

  #end(
    job: RestoreJob,
    state: RestoreState,
    reason: string,
    endedAtMs: number,
    env: RestoreEnvironment,
  ): void {
    job.state = state;
    job.reason = reason;
    job.endedAtMs = endedAtMs;
    job.timeCostMs = state === 'RestoreSnapshotCompleted' ? endedAtMs - job.timeline.startMs : 0;
    this.#running.delete(job);
    this.#nextExpiryMs = Math.min(this.#nextExpiryMs, endedAtMs + this.retentionMs);
    env.restoreEnded(job);
  }

  #forgetExpired(nowMs: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const job of this.#jobs.values()) {
      if (job.endedAtMs === undefined) {
        continue;
      }
      const expiresAt = job.endedAtMs + this.retentionMs;
      if (nowMs >= expiresAt) {
        this.#jobs.delete(job.id);
      } else {
        next = Math.min(next, expiresAt);
      }
    }
    this.#nextExpiryMs = next;
  }
}
