import { type ClusterIdentity, clusterIdentity } from '../../functions/shared/contracts/deployment';

/** The deployment tests run as: what the definition embeds for PrepareRun. */
export const TEST_DEPLOYMENT = { id: 'test-deployment', runTimeoutMinutes: 720 } as const;

/** The cluster tests name when no emulator is involved. */
export const TEST_CLUSTER: ClusterIdentity = clusterIdentity('milvus.test:19530');

/** The run context's deployment: the test deployment on the given cluster. */
export function testRunDeployment(cluster: ClusterIdentity = TEST_CLUSTER) {
  return { ...TEST_DEPLOYMENT, cluster };
}
