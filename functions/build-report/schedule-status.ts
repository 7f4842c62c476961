import type { RunReport } from '../shared/contracts/run-report';
import { type ScheduleStatus, scheduleStatusSchema } from '../shared/contracts/schedule-status';
import { ReportKeys, type ReportStore } from '../shared/reports/report-store';

/**
 * Records a successful, non-dry run of a schedule as the schedule's newest success, for the
 * freshness check. A run that finished before the recorded one (a redone slot that overtook
 * nothing) leaves the record as it is.
 *
 * @returns the record written, or `undefined` when the run does not count or is not newer
 */
export async function recordScheduleSuccess(
  report: RunReport,
  deploymentId: string,
  store: Pick<ReportStore, 'getJson' | 'putJson'>,
): Promise<ScheduleStatus | undefined> {
  if (report.status !== 'SUCCEEDED' || report.dryRun || report.schedule === undefined) return undefined;
  const key = ReportKeys.scheduleStatus(deploymentId, report.schedule);
  const stored = scheduleStatusSchema.safeParse(await store.getJson(key));
  if (stored.success && Date.parse(stored.data.lastSuccess.finishedAt) >= Date.parse(report.finishedAt)) {
    return undefined;
  }
  const status: ScheduleStatus = {
    schemaVersion: 1,
    deploymentId,
    schedule: report.schedule,
    lastSuccess: {
      runId: report.runId,
      mode: report.mode,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
    },
  };
  await store.putJson(key, scheduleStatusSchema.parse(status));
  return status;
}
