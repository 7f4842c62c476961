import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { MilvusConnection } from './milvus-connection-settings';
import { MilvusGateway } from './milvus-gateway';
import { errorFromRejection, TOKEN_SECRET_HINT } from './milvus-status';
import { skipSdkLogCallsBelowLevel } from './sdk-logger';

export { type MilvusConnection, milvusConnectionSchema } from './milvus-connection-settings';

/**
 * Opens a connection and proves it with Milvus' `Connect` call, so that an unreachable server or a
 * refused token fails here, with a clear typed error, rather than on the first real call.
 *
 * The SDK's own retry loop and client telemetry are turned off: retries belong to the state
 * machine, and a Lambda must not leave timers running between invocations.
 */
export async function connectMilvus(
  connection: MilvusConnection,
  token: string | undefined,
  credentialsHint: string = TOKEN_SECRET_HINT,
): Promise<MilvusGateway> {
  const secrets = token ? [token] : [];
  skipSdkLogCallsBelowLevel();
  let client: MilvusClient;
  try {
    client = new MilvusClient({
      address: connection.address,
      token: token || undefined,
      ssl: connection.tls || connection.address.startsWith('https://'),
      timeout: connection.timeoutMs,
      maxRetries: 0,
      logLevel: 'error',
      telemetry: { enabled: false },
      // The SDK runs at most `max` calls at once per client; the local runner shares one client
      // between every collection of a run, so allow more than the default 10.
      pool: { min: 1, max: 32 },
    });
    await client.connectPromise;
  } catch (error) {
    throw errorFromRejection(error, `connect to Milvus at ${connection.address}`, secrets, credentialsHint);
  }
  return new MilvusGateway(client, secrets, credentialsHint);
}
