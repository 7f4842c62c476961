import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { buildReport, buildReportInputSchema } from './build-report';
import { runMetrics } from './run-metrics';
import { recordScheduleSuccess } from './schedule-status';

/** BuildReport step: assembles and stores the run report, and returns what SNS and EventBridge publish. */
export const handler = createStepHandler({
  step: 'BuildReport',
  input: buildReportInputSchema,
  dependencies: ({ env, now }) => ({ store: reportStoreFromEnvironment(env), now }),
  run: async (input, deps, { tools }) => {
    const { report, location, published } = await buildReport(input, deps);
    for (const metric of runMetrics(report)) {
      if (metric.dimensions) {
        const single = tools.metrics.singleMetric();
        for (const [name, value] of Object.entries(metric.dimensions)) single.addDimension(name, value);
        single.addMetric(metric.name, MetricUnit.Count, metric.value);
      } else {
        tools.metrics.addMetric(metric.name, MetricUnit.Count, metric.value);
      }
    }
    try {
      await recordScheduleSuccess(report, input.run.deployment.id, deps.store);
    } catch (error) {
      // The report is stored and goes out regardless; a stale status shows as a freshness alarm.
      tools.logger.error('could not record the schedule status for the freshness check', error as Error);
    }
    tools.logger.info('run report stored', {
      location,
      status: report.status,
      summary: report.summary,
      omittedFromNotifications: published.event.omittedCollections ?? 0,
    });
    return published;
  },
});
