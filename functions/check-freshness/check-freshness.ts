import * as z from 'zod';
import {
  type FreshnessBaseline,
  freshnessBaselineSchema,
  scheduleStatusSchema,
} from '../shared/contracts/schedule-status';
import { ReportKeys, type ReportStore } from '../shared/reports/report-store';

/** Input of the check: the deployment's enabled schedules (the rule that starts it carries them). */
export const checkFreshnessInputSchema = z
  .object({
    schedules: z.array(z.string().min(1)).min(1),
  })
  .loose();

/** The check's input. */
export type CheckFreshnessInput = z.infer<typeof checkFreshnessInputSchema>;

/** How fresh one schedule is. */
export interface ScheduleFreshness {
  readonly schedule: string;
  readonly hoursSinceLastSuccess: number;
  /**
   * `lastSuccess`: measured from its newest successful run. `baseline`: it has had none yet, so
   * measured from when the check first saw it.
   */
  readonly measuredFrom: 'lastSuccess' | 'baseline';
  /** The newest successful run, when there is one. */
  readonly lastSuccess?: { readonly runId: string; readonly finishedAt: string };
}

/** What the check needs. */
export interface CheckFreshnessDependencies {
  readonly store: Pick<ReportStore, 'getJson' | 'createJson'>;
  readonly now: () => Date;
  readonly deploymentId: string;
}

const HOUR_MS = 3_600_000;

/**
 * For each schedule, the hours since its newest successful, non-dry run (the status record
 * BuildReport keeps). A schedule without one is measured from a baseline the first check writes,
 * so it is fresh on its first day and stale once a whole interval and margin pass without success.
 */
export async function checkFreshness(
  input: CheckFreshnessInput,
  deps: CheckFreshnessDependencies,
): Promise<ScheduleFreshness[]> {
  const now = deps.now();
  const hoursSince = (iso: string) => Math.max(0, (now.getTime() - Date.parse(iso)) / HOUR_MS);
  const results: ScheduleFreshness[] = [];
  for (const schedule of new Set(input.schedules)) {
    const status = scheduleStatusSchema.safeParse(
      await deps.store.getJson(ReportKeys.scheduleStatus(deps.deploymentId, schedule)),
    );
    if (status.success) {
      const { runId, finishedAt } = status.data.lastSuccess;
      results.push({
        schedule,
        hoursSinceLastSuccess: hoursSince(finishedAt),
        measuredFrom: 'lastSuccess',
        lastSuccess: { runId, finishedAt },
      });
      continue;
    }
    const baseline = await baselineOf(deps, schedule, now);
    results.push({ schedule, hoursSinceLastSuccess: hoursSince(baseline.since), measuredFrom: 'baseline' });
  }
  return results;
}

/** The schedule's baseline: the one already written, or now (written once: of two checks racing, one wins). */
async function baselineOf(
  deps: CheckFreshnessDependencies,
  schedule: string,
  now: Date,
): Promise<FreshnessBaseline> {
  const key = ReportKeys.freshnessBaseline(deps.deploymentId, schedule);
  const fresh: FreshnessBaseline = {
    schemaVersion: 1,
    deploymentId: deps.deploymentId,
    schedule,
    since: now.toISOString(),
  };
  if (await deps.store.createJson(key, fresh)) return fresh;
  const stored = freshnessBaselineSchema.safeParse(await deps.store.getJson(key));
  // An unreadable baseline is replaced by nothing better than now: the schedule starts afresh.
  return stored.success ? stored.data : fresh;
}
