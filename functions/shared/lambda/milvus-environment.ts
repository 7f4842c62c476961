import * as z from 'zod';
import { now } from '../clock';
import { ConfigurationError, MilvusAuthenticationError } from '../errors';
import { connectMilvus, milvusConnectionSchema } from '../milvus/milvus-connection';
import type { MilvusGateway } from '../milvus/milvus-gateway';
import { parseOrThrow } from '../validation';
import { readMilvusToken } from './milvus-token';

/**
 * The environment of a function that talks to Milvus. Deployed, the token comes from Secrets
 * Manager (`MILVUS_TOKEN_SECRET_ID`); the local runner may pass `MILVUS_TOKEN` directly.
 */
const milvusEnvironmentSchema = z.object({
  MILVUS_ADDRESS: z
    .string()
    .min(1, 'MILVUS_ADDRESS must name the Milvus endpoint, e.g. "milvus.internal:19530"'),
  MILVUS_TLS: z.enum(['true', 'false']).default('false'),
  MILVUS_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  MILVUS_TOKEN_SECRET_ID: z.string().min(1).optional(),
  MILVUS_TOKEN: z.string().optional(),
});

interface CachedGateway {
  readonly key: string;
  readonly gateway: Promise<MilvusGateway>;
}

let cached: CachedGateway | undefined;

/**
 * The Milvus gateway for this function, connected once and reused across warm invocations.
 * The cache is keyed by endpoint and credentials, so a changed token (rotation) reconnects.
 */
export async function milvusFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<MilvusGateway> {
  const parsed = parseOrThrow(
    milvusEnvironmentSchema,
    env,
    'Milvus settings in the function environment',
    (m) => new ConfigurationError(m),
  );
  const connection = milvusConnectionSchema.parse({
    address: parsed.MILVUS_ADDRESS,
    tls: parsed.MILVUS_TLS === 'true',
    timeoutMs: parsed.MILVUS_TIMEOUT_MS,
  });
  const token = parsed.MILVUS_TOKEN_SECRET_ID
    ? await readMilvusToken(parsed.MILVUS_TOKEN_SECRET_ID, forceTokenFetch)
    : parsed.MILVUS_TOKEN;
  forceTokenFetch = false;
  const key = JSON.stringify([connection, token ?? '']);
  if (cached?.key !== key) {
    const previous = cached;
    const gateway = connectMilvus(connection, token);
    cached = { key, gateway };
    // A failed connection is not cached: the next invocation (a state-machine retry) tries again.
    gateway.catch(() => {
      if (cached?.gateway === gateway) cached = undefined;
    });
    void previous?.gateway.then((g) => g.close()).catch(() => undefined);
  }
  return cached.gateway;
}

let forceTokenFetch = false;

/**
 * Forgets the cached connection after a failure that a new connection could fix; after an
 * authentication failure the next invocation also re-reads the secret, skipping its cache.
 */
export function invalidateMilvusOnError(error: unknown): void {
  if (error instanceof MilvusAuthenticationError) {
    forceTokenFetch = true;
    const stale = cached;
    cached = undefined;
    void stale?.gateway.then((g) => g.close()).catch(() => undefined);
  }
}

/** The dependencies most Milvus steps take: the gateway and the wall clock. */
export async function milvusStepDependencies(): Promise<{ milvus: MilvusGateway; now: () => Date }> {
  return { milvus: await milvusFromEnvironment(), now };
}

/**
 * Closes the cached connection. Lambda never needs this (the sandbox is frozen, then discarded);
 * the local runner calls it at the end of a run so the process can exit.
 */
export async function closeCachedMilvus(): Promise<void> {
  const stale = cached;
  cached = undefined;
  await stale?.gateway.then((g) => g.close()).catch(() => undefined);
}
