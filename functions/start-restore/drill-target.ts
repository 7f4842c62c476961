import type { RunContext } from '../shared/contracts/run-context';
import { drillCollectionName, drillRunTag, stampedCollectionName } from '../shared/snapshot-naming';

/** What the drill target name is built from. */
export type DrillNaming = Pick<RunContext, 'runId' | 'startedAt'> & {
  readonly drill: Pick<RunContext['drill'], 'prefix'>;
  readonly mode?: RunContext['mode'];
  readonly restore?: RunContext['restore'];
};

/**
 * The collection this run's drill of `collection` restores into:
 * `<drill.prefix>_<collection>_<YYYYMMDD_HHMMSS>_<tag>`, the stamp being the execution's start
 * (UTC) and the tag derived from the run id. Every step of the drill recomputes it from the run
 * context, so a retried step finds the same name and no step has to trust a name from its input.
 */
export function drillTargetName(run: DrillNaming, collection: string): string {
  return drillCollectionName(run.drill.prefix, collection, new Date(run.startedAt), drillRunTag(run.runId));
}

/**
 * Whether `name` is the drill collection this run creates for `collection`: it must equal the
 * name the drill computes and start with the drill prefix. Both are checked, so neither a wrong
 * input nor a changed naming rule can make a drill drop a collection it did not create.
 */
export function isOwnDrillTarget(run: DrillNaming, collection: string, name: string): boolean {
  return name === drillTargetName(run, collection) && name.startsWith(`${run.drill.prefix}_`);
}

/**
 * The new collection an operator's restore goes into: the run's `target`, else
 * `<collection>_restored_<YYYYMMDD_HHMMSS>` from the run's start (UTC), recomputed by every step.
 */
export function restoreTargetName(run: DrillNaming, collection: string): string {
  return run.restore?.target ?? stampedCollectionName(collection, 'restored', new Date(run.startedAt));
}

/** The collection this run restores into: the operator's target in a restore, else the drill collection. */
export function runTargetName(run: DrillNaming, collection: string): string {
  return run.mode === 'restore' ? restoreTargetName(run, collection) : drillTargetName(run, collection);
}

/** Whether `name` is the collection this run restores `collection` into (see {@link runTargetName}). */
export function isOwnTarget(run: DrillNaming, collection: string, name: string): boolean {
  return run.mode === 'restore'
    ? name === restoreTargetName(run, collection)
    : isOwnDrillTarget(run, collection, name);
}
