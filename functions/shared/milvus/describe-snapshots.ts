import { SnapshotNotFoundError } from '../errors';
import type { CollectionRef, MilvusGateway, SnapshotDescription } from './milvus-gateway';

/** Describe calls in flight at once: enough to hide latency, few enough to be gentle on Milvus. */
const DESCRIBE_CONCURRENCY = 8;

/**
 * Describes the named snapshots of a collection, a few at a time. A snapshot dropped between the
 * list and its describe (a concurrent run) is simply left out.
 */
export async function describeSnapshots(
  milvus: Pick<MilvusGateway, 'describeSnapshot'>,
  ref: CollectionRef,
  names: readonly string[],
): Promise<SnapshotDescription[]> {
  const out: SnapshotDescription[] = [];
  for (let i = 0; i < names.length; i += DESCRIBE_CONCURRENCY) {
    const batch = names.slice(i, i + DESCRIBE_CONCURRENCY);
    const results = await Promise.all(
      batch.map((name) =>
        milvus.describeSnapshot(ref, name).catch((error: unknown) => {
          if (error instanceof SnapshotNotFoundError) return undefined;
          throw error;
        }),
      ),
    );
    for (const r of results) if (r) out.push(r);
  }
  return out;
}
