import * as z from 'zod';
import { clusterIdSchema, deploymentIdSchema } from '../contracts/deployment';
import { ConfigurationError } from '../errors';
import { parseOrThrow } from '../validation';

/**
 * Every environment variable a step reads, in one schema. The construct sets them (see
 * lib/step-catalog.ts); the local runner sets the same names for its in-process "functions".
 * Which ones a step needs depends on the step: a Milvus step needs `MILVUS_ADDRESS`, a step that
 * stores results needs `REPORTS_BUCKET` or `REPORTS_DIR`; each is checked where it is used, with a
 * message that says what to set.
 */
export const stepEnvironmentSchema = z.object({
  /**
   * The deployment the function belongs to (the construct's `deploymentId`): every metric it emits
   * carries it as the `Deployment` dimension, so two stacks in one account never count, alarm on
   * or graph each other's runs. Unset (local runs, unit tests): no `Deployment` dimension.
   */
  DEPLOYMENT_ID: deploymentIdSchema.optional(),
  /** The Milvus endpoint (`host:port` or `https://…`). */
  MILVUS_ADDRESS: z.string().trim().min(1).optional(),
  /** A stable id of the Milvus cluster, when its address is not stable (the local emulator). */
  MILVUS_CLUSTER_ID: clusterIdSchema.optional(),
  MILVUS_TLS: z.enum(['true', 'false']).default('false'),
  /** Deadline of each Milvus call. */
  MILVUS_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** The Secrets Manager secret holding the Milvus token (deployed). */
  MILVUS_TOKEN_SECRET_ID: z.string().min(1).optional(),
  /** The token itself (local runs only: never set by the construct). */
  MILVUS_TOKEN: z.string().optional(),
  /** The reports bucket (deployed). */
  REPORTS_BUCKET: z.string().min(1).optional(),
  /** The directory standing in for the bucket (local runs). */
  REPORTS_DIR: z.string().min(1).optional(),
  /** `false` moves the `Collection` dimension of step metrics into metadata. */
  PER_COLLECTION_METRICS: z.enum(['true', 'false']).default('true'),
});

/** A step's environment, parsed. */
export type StepEnvironment = z.infer<typeof stepEnvironmentSchema>;

const KEYS = Object.keys(stepEnvironmentSchema.shape) as ReadonlyArray<keyof StepEnvironment>;

let cached: { readonly raw: string; readonly parsed: StepEnvironment } | undefined;

/**
 * The step environment, parsed once. In Lambda the environment never changes, so this parses at
 * the first invocation of a cold start and never again; the local runner and the tests change
 * the variables between runs, and a changed value is parsed anew.
 *
 * @throws ConfigurationError naming the variable and the value that is wrong
 */
export function stepEnvironment(env: NodeJS.ProcessEnv = process.env): StepEnvironment {
  const raw = JSON.stringify(KEYS.map((key) => env[key] ?? null));
  if (cached?.raw !== raw) {
    const values = Object.fromEntries(KEYS.map((key) => [key, env[key]]));
    const parsed = parseOrThrow(
      stepEnvironmentSchema,
      values,
      'function environment',
      (m) => new ConfigurationError(m),
    );
    cached = { raw, parsed };
  }
  return cached.parsed;
}
