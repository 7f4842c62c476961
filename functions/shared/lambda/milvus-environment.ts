import { ConfigurationError, MilvusAuthenticationError } from '../errors';
import { connectMilvus, milvusConnectionSchema } from '../milvus/milvus-connection';
import type { MilvusGateway } from '../milvus/milvus-gateway';
import { TOKEN_SECRET_HINT, TOKEN_VARIABLE_HINT } from '../milvus/milvus-status';
import { parseOrThrow } from '../validation';
import { readMilvusToken } from './milvus-token';
import type { StepEnvironment } from './step-environment';
import type { StepContext } from './step-handler';

interface CachedGateway {
  readonly key: string;
  readonly gateway: Promise<MilvusGateway>;
}

let cached: CachedGateway | undefined;

/**
 * The Milvus gateway for this function, connected once and reused across warm invocations.
 * The cache is keyed by endpoint and credentials, so a changed token (rotation) reconnects.
 *
 * Deployed, the token comes from Secrets Manager (`MILVUS_TOKEN_SECRET_ID`); the local runner may
 * pass `MILVUS_TOKEN` directly.
 */
export async function milvusFromEnvironment(env: StepEnvironment): Promise<MilvusGateway> {
  if (!env.MILVUS_ADDRESS) {
    throw new ConfigurationError(
      'invalid function environment: MILVUS_ADDRESS must name the Milvus endpoint, e.g. "milvus.internal:19530"',
    );
  }
  const connection = parseOrThrow(
    milvusConnectionSchema,
    { address: env.MILVUS_ADDRESS, tls: env.MILVUS_TLS === 'true', timeoutMs: env.MILVUS_TIMEOUT_MS },
    'Milvus settings in the function environment',
    (m) => new ConfigurationError(m),
  );
  const token = env.MILVUS_TOKEN_SECRET_ID
    ? await readMilvusToken(env.MILVUS_TOKEN_SECRET_ID, forceTokenFetch)
    : env.MILVUS_TOKEN;
  forceTokenFetch = false;
  const key = JSON.stringify([connection, token ?? '']);
  if (cached?.key !== key) {
    const previous = cached;
    const gateway = connectMilvus(
      connection,
      token,
      env.MILVUS_TOKEN_SECRET_ID ? TOKEN_SECRET_HINT : TOKEN_VARIABLE_HINT,
    );
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

/** The dependencies most Milvus steps take: the gateway and the step's clock. */
export async function milvusStepDependencies({
  env,
  now,
}: StepContext): Promise<{ milvus: MilvusGateway; now: () => Date }> {
  return { milvus: await milvusFromEnvironment(env), now };
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
