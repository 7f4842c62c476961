import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import * as z from 'zod';
import { MilvusGateway } from './milvus-gateway';
import { errorFromRejection } from './milvus-status';
import { skipSdkLogCallsBelowLevel } from './sdk-logger';

/** How to reach Milvus. Shared by the deployment configuration, the functions and the local runner. */
export const milvusConnectionSchema = z
  .object({
    /** `host:port`, or a URI such as `https://in01-xxxx.zillizcloud.com:19530` (https turns TLS on). */
    address: z
      .string()
      .trim()
      .min(1, 'address is required, e.g. "milvus.internal:19530" or "https://host:443"')
      .refine((a) => !/\s/.test(a), { message: 'address must not contain spaces' }),
    /** Use TLS even when the address has no `https://` prefix. */
    tls: z.boolean().default(false),
    /** Deadline of each Milvus call, in milliseconds. */
    timeoutMs: z.number().int().min(100).max(300_000).default(15_000),
  })
  .strict();

/** Validated connection settings. */
export type MilvusConnection = z.infer<typeof milvusConnectionSchema>;

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
    throw errorFromRejection(error, `connect to Milvus at ${connection.address}`, secrets);
  }
  return new MilvusGateway(client, secrets);
}
