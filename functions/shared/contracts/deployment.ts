import { createHash } from 'node:crypto';
import * as z from 'zod';

/**
 * Who a run works for and on what: the deployment (one stack, or one local setup) and the Milvus
 * cluster. Both are part of every ownership marker, ledger key, drill record, metric and report,
 * so two deployments on one Milvus, or one deployment's runs against two clusters (the built-in
 * emulator and a real Milvus), never read or act on each other's records.
 */

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** A deployment id: letters, digits, `_`, `.`, `-`; 1 to 128 characters, starting with a letter or digit. */
export const deploymentIdSchema = z
  .string()
  .regex(
    IDENTIFIER,
    'a deployment id uses letters, digits, "_", "." and "-" (at most 128), starting with a letter or digit',
  );

/** An explicit Milvus cluster id, same rules as a deployment id. */
export const clusterIdSchema = z
  .string()
  .regex(
    IDENTIFIER,
    'a cluster id uses letters, digits, "_", "." and "-" (at most 128), starting with a letter or digit',
  );

/** The Milvus cluster a run works on. */
export const clusterIdentitySchema = z
  .object({
    /** What records are keyed by: the configured cluster id, or one derived from the endpoint. */
    key: clusterIdSchema,
    /** The endpoint as `host:port`, without scheme or credentials (for people reading a report). */
    endpoint: z.string().min(1),
  })
  .strict();

/** The Milvus cluster a run works on. */
export type ClusterIdentity = z.infer<typeof clusterIdentitySchema>;

/** The deployment a run belongs to, as the run context carries it. */
export const runDeploymentSchema = z
  .object({
    id: deploymentIdSchema,
    cluster: clusterIdentitySchema,
    /** The state machine's timeout: a drill of this deployment cannot outlive it. */
    runTimeoutMinutes: z.number().int().positive(),
  })
  .strict();

/** The deployment a run belongs to. */
export type RunDeployment = z.infer<typeof runDeploymentSchema>;

/** What the definition embeds about the deployment (the cluster comes from the function's environment). */
export const embeddedDeploymentSchema = runDeploymentSchema.omit({ cluster: true });

/**
 * `host:port` of a Milvus address: scheme, credentials and path removed, host lower-cased, the
 * port made explicit (443 for `https://`, else Milvus' 19530).
 */
export function normaliseEndpoint(address: string): string {
  const trimmed = address.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  const rest = scheme ? trimmed.slice(scheme.length + 3) : trimmed;
  const authority = (rest.split('/')[0] ?? '').replace(/^.*@/, '');
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority);
  const [host, port] = bracketed
    ? [`[${bracketed[1]}]`, bracketed[2]]
    : ((): [string, string | undefined] => {
        const colon = authority.lastIndexOf(':');
        return colon > 0 ? [authority.slice(0, colon), authority.slice(colon + 1)] : [authority, undefined];
      })();
  return `${host.toLowerCase()}:${port || (scheme === 'https' ? '443' : '19530')}`;
}

/**
 * The identity of the Milvus cluster at `address`: the explicit `clusterId` when given, else a
 * key derived from the endpoint (readable host and port, and a hash so that two endpoints that
 * read alike never share a key).
 */
export function clusterIdentity(address: string, clusterId?: string): ClusterIdentity {
  const endpoint = normaliseEndpoint(address);
  if (clusterId) return { key: clusterIdSchema.parse(clusterId), endpoint };
  const hash = createHash('sha256').update(endpoint).digest('hex').slice(0, 8);
  const readable = endpoint
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);
  return { key: `${readable || 'milvus'}-${hash}`, endpoint };
}
