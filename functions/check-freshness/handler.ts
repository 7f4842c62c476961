import { ConfigurationError } from '../shared/errors';
import { MetricUnit } from '../shared/lambda/collection-metrics';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { checkFreshness, checkFreshnessInputSchema } from './check-freshness';
import { HOURS_SINCE_LAST_SUCCESS, SCHEDULE_DIMENSION } from './freshness-metric';

/** CheckFreshness: hours since each schedule's newest successful run, for the freshness alarms. */
export const handler = createStepHandler({
  step: 'CheckFreshness',
  input: checkFreshnessInputSchema,
  dependencies: ({ env, now }) => {
    if (!env.DEPLOYMENT_ID) {
      throw new ConfigurationError(
        'set DEPLOYMENT_ID: the freshness check reads the records of one deployment',
      );
    }
    return { store: reportStoreFromEnvironment(env), now, deploymentId: env.DEPLOYMENT_ID };
  },
  run: async (input, deps, { tools }) => {
    const schedules = await checkFreshness(input, deps);
    for (const { schedule, hoursSinceLastSuccess } of schedules) {
      const single = tools.metrics.singleMetric();
      single.addDimension(SCHEDULE_DIMENSION, schedule);
      single.addMetric(HOURS_SINCE_LAST_SUCCESS, MetricUnit.NoUnit, hoursSinceLastSuccess);
    }
    tools.logger.info('freshness checked', { schedules });
    return { schedules };
  },
});
