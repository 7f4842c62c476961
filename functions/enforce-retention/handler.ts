import { emitCollectionMetrics, MetricUnit, perCollectionMetrics } from '../shared/lambda/collection-metrics';
import { invalidateMilvusOnError, milvusFromEnvironment } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { enforceRetention, enforceRetentionInputSchema } from './enforce-retention';

/** EnforceRetention step: applies the collection's retention policy. */
export const handler = createStepHandler({
  step: 'EnforceRetention',
  input: enforceRetentionInputSchema,
  dependencies: async ({ env, now }) => ({
    milvus: await milvusFromEnvironment(env),
    store: reportStoreFromEnvironment(env),
    now,
  }),
  run: async (input, deps, { tools, env }) => {
    const result = await enforceRetention(input, deps);
    if (!result.dryRun) {
      const counts = [
        { name: 'SnapshotsDropped' as const, unit: MetricUnit.Count, value: result.dropped.length },
        { name: 'RetentionSkipped' as const, unit: MetricUnit.Count, value: result.skipped.length },
      ];
      emitCollectionMetrics(
        tools.metrics,
        'EnforceRetention',
        input.target,
        counts,
        perCollectionMetrics(env),
      );
    }
    tools.logger.info('retention applied', {
      dryRun: result.dryRun,
      kept: result.kept.length,
      dropped: result.dropped.map((d) => d.name),
      skipped: result.skipped,
    });
    return result;
  },
  onError: invalidateMilvusOnError,
});
