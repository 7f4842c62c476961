import * as z from 'zod';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { backupResultSchema, type retentionResultSchema } from '../shared/contracts/run-report';
import { InvalidInputError, SnapshotNotFoundError, SnapshotPinnedError } from '../shared/errors';
import type { MilvusGateway, SnapshotDescription } from '../shared/milvus/milvus-gateway';
import { ReportKeys, type ReportStore, recordScopeOf } from '../shared/reports/report-store';
import { parseSnapshotMarker } from '../shared/snapshot-marker';
import { planRetention } from './retention-planner';

/** Input of EnforceRetention: the run, the collection, and the snapshot this run made (if any). */
export const enforceRetentionInputSchema = collectionStepBaseSchema.extend({
  backup: backupResultSchema.optional(),
});

/** EnforceRetention's result (`$.retention`). */
export type RetentionResult = z.infer<typeof retentionResultSchema>;

/** What EnforceRetention needs. */
export interface EnforceRetentionDependencies {
  readonly milvus: Pick<MilvusGateway, 'listSnapshots' | 'describeSnapshot' | 'dropSnapshot'>;
  readonly store: Pick<ReportStore, 'getJson'>;
  readonly now: () => Date;
}

/** Describe calls in flight at once: enough to hide latency, few enough to be gentle on Milvus. */
const DESCRIBE_CONCURRENCY = 8;

const latestVerifiedSchema = z.object({ snapshotName: z.string() }).loose();

/**
 * Applies the collection's retention policy to its snapshots.
 *
 * Only snapshots carrying our marker are candidates; the newest snapshot that passed a restore
 * drill, the one this run just made, and the configured `protect` names are always kept. A drop
 * refused because the snapshot is pinned (a restore or a drill is using it) is reported as
 * skipped, not as a failure; a snapshot already gone counts as dropped. In a dry run nothing is
 * dropped and `dropped` lists what would be.
 */
export async function enforceRetention(
  input: z.infer<typeof enforceRetentionInputSchema>,
  deps: EnforceRetentionDependencies,
): Promise<RetentionResult> {
  const { run, target } = input;
  const policy = run.policies[target.policy];
  if (!policy) {
    throw new InvalidInputError(
      `retention policy '${target.policy}' of ${target.database}.${target.collection} is not in the run's policies ` +
        `(${Object.keys(run.policies).join(', ')})`,
    );
  }

  const names = await deps.milvus.listSnapshots(target);
  const [described, verified] = await Promise.all([
    describeAll(deps.milvus, target, names),
    deps.store.getJson(ReportKeys.latestVerified(recordScopeOf(run), target.database, target.collection)),
  ]);
  const verifiedName = latestVerifiedSchema.safeParse(verified).data?.snapshotName;

  const plan = planRetention({
    now: deps.now().toISOString(),
    policy,
    snapshots: described.map((s) => ({
      name: s.name,
      createdAt: s.createdAt.toISOString(),
      owned: parseSnapshotMarker(s.description) !== undefined,
      verified: s.name === verifiedName,
    })),
    protect: run.protect[`${target.database}.${target.collection}`] ?? [],
    justCreated: input.backup?.snapshotName,
  });

  const kept = plan.keep.map((k) => ({ name: k.name, reasons: [...k.reasons] }));
  if (run.dryRun) {
    return { dryRun: true, kept, dropped: plan.drop.map((d) => ({ ...d })), skipped: [] };
  }

  const dropped: RetentionResult['dropped'] = [];
  const skipped: RetentionResult['skipped'] = [];
  for (const candidate of plan.drop) {
    try {
      await deps.milvus.dropSnapshot(target, candidate.name);
      dropped.push({ ...candidate });
    } catch (error) {
      if (error instanceof SnapshotPinnedError) {
        skipped.push({
          name: candidate.name,
          reason: `pinned (a restore or drill is using it); will retry next run`,
        });
      } else if (error instanceof SnapshotNotFoundError) {
        dropped.push({ name: candidate.name, reason: `${candidate.reason}; it was already gone` });
      } else {
        throw error;
      }
    }
  }
  return { dryRun: false, kept, dropped, skipped };
}

/**
 * Describes every snapshot, a few at a time. A snapshot dropped between the list and its
 * describe (a concurrent run) is simply left out.
 */
async function describeAll(
  milvus: Pick<MilvusGateway, 'describeSnapshot'>,
  target: { database: string; collection: string },
  names: readonly string[],
): Promise<SnapshotDescription[]> {
  const out: SnapshotDescription[] = [];
  for (let i = 0; i < names.length; i += DESCRIBE_CONCURRENCY) {
    const batch = names.slice(i, i + DESCRIBE_CONCURRENCY);
    const results = await Promise.all(
      batch.map((name) =>
        milvus.describeSnapshot(target, name).catch((error: unknown) => {
          if (error instanceof SnapshotNotFoundError) return undefined;
          throw error;
        }),
      ),
    );
    for (const r of results) if (r) out.push(r);
  }
  return out;
}
