import { clusterIdentity } from '../shared/contracts/deployment';
import { ConfigurationError } from '../shared/errors';
import { createStepHandler } from '../shared/lambda/step-handler';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { prepareRun, prepareRunInputSchema, storeRunItems } from './prepare-run';

/**
 * PrepareRun step: validates the execution input against the configuration, plans the run and
 * stores its collection list for the Map.
 */
export const handler = createStepHandler({
  step: 'PrepareRun',
  input: prepareRunInputSchema,
  dependencies: ({ env }) => {
    if (!env.MILVUS_ADDRESS) {
      throw new ConfigurationError(
        'invalid function environment: MILVUS_ADDRESS must name the Milvus endpoint the run works on',
      );
    }
    return {
      cluster: clusterIdentity(env.MILVUS_ADDRESS, env.MILVUS_CLUSTER_ID),
      store: reportStoreFromEnvironment(env),
    };
  },
  run: async (input, { cluster, store }, { tools }) => {
    const prepared = prepareRun(input, cluster);
    const { runId, mode, dryRun, schedule, snapshotName } = prepared.run;
    tools.logger.info('run prepared', {
      runId,
      mode,
      dryRun,
      schedule,
      snapshotName,
      collections: prepared.items.length,
    });
    return storeRunItems(prepared, store);
  },
});
