import { clusterIdentity } from '../shared/contracts/deployment';
import {
  MilvusAuthenticationError,
  MilvusError,
  MilvusUnavailableError,
  MilvusUnsupportedError,
} from '../shared/errors';
import { invalidateMilvusOnError, milvusFromEnvironment } from '../shared/lambda/milvus-environment';
import { createStepHandler } from '../shared/lambda/step-handler';
import { readMilvusInventory } from '../shared/milvus-inventory';
import { reportStoreFromEnvironment } from '../shared/reports/report-store';
import {
  type PreparedRun,
  prepareRun,
  prepareRunInputSchema,
  runConfigOf,
  storeRunItems,
  unresolvedRun,
} from './prepare-run';

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
    let prepared: PreparedRun;
    try {
      const inventory = await readMilvusInventory(config, await milvus(), store, {
        deploymentId: input.deployment.id,
        clusterKey: cluster.key,
      });
      prepared = prepareRun(input, cluster, inventory);
    } catch (error) {
      const milvusFailure = [
        MilvusUnavailableError,
        MilvusAuthenticationError,
        MilvusUnsupportedError,
        MilvusError,
      ];
      if (!milvusFailure.some((type) => error instanceof type)) throw error;
      const failure = error as Error;
      // The run goes on with the entries by name, each failing (or not) on its own as before,
      // and its report says the selectors were not resolved; BuildReport fails the run.
      invalidateMilvusOnError(error);
      tools.logger.warn('could not list Milvus: only the collections named in the configuration run', {
        errorName: failure.name,
        errorMessage: failure.message,
      });
      prepared = unresolvedRun(prepareRun(input, cluster), `${failure.name}: ${failure.message}`);
    }
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
