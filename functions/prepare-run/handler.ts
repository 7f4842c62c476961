import { clusterIdentity } from '../shared/contracts/deployment';
import { invalidateMilvusOnError, milvusFromEnvironment } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { readMilvusInventory } from '../shared/milvus-inventory';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import { prepareRun, prepareRunInputSchema, runConfigOf, storeRunItems } from './prepare-run';

/**
 * PrepareRun step: validates the execution input against the configuration, resolves the
 * selectors against what Milvus holds, plans the run and stores its collection list for the Map
 * and its coverage for the report.
 */
export const handler = createStepHandler({
  step: 'PrepareRun',
  input: prepareRunInputSchema,
  dependencies: ({ env }) => ({
    // Connected only once the input is valid; it refuses an environment without MILVUS_ADDRESS.
    milvus: () => milvusFromEnvironment(env),
    cluster: clusterIdentity(env.MILVUS_ADDRESS ?? '', env.MILVUS_CLUSTER_ID),
    store: reportStoreFromEnvironment(env),
  }),
  onError: invalidateMilvusOnError,
  run: async (input, { milvus, cluster, store }, { tools }) => {
    // A bad input fails before any Milvus call (names a selector covers are checked below).
    prepareRun(input, cluster);
    const config = runConfigOf(input);
    const inventory = await readMilvusInventory(config, await milvus(), store, {
      deploymentId: input.deployment.id,
      clusterKey: cluster.key,
    });
    const prepared = prepareRun(input, cluster, inventory);
    const { runId, mode, dryRun, schedule, snapshotName } = prepared.run;
    tools.logger.info('run prepared', {
      runId,
      mode,
      dryRun,
      schedule,
      snapshotName,
      collections: prepared.items.length,
      matched: prepared.items.filter((i) => i.selection?.by === 'selector').length,
      unprotected: prepared.coverage?.unprotected.length ?? 0,
    });
    return storeRunItems(prepared, store);
  },
});
