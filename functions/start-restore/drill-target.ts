import type { RunContext } from '../shared/contracts/run-context';
import { drillCollectionName, drillRunTag } from '../shared/snapshot-naming';

/** What the drill target name is built from. */
export type DrillNaming = Pick<RunContext, 'runId' | 'startedAt'> & {
  readonly drill: Pick<RunContext['drill'], 'prefix'>;
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
