import type { CollectionRef, MilvusGateway } from '../milvus/milvus-gateway';
import type { DrillRecord } from './drill-ledger';

/** What Milvus holds under a drill record's collection name. */
export type DrillCollectionState =
  | { readonly exists: false }
  | { readonly exists: true; readonly ours: true; readonly id: string }
  | { readonly exists: true; readonly ours: false; readonly id: string; readonly reason: string };

/**
 * Whether the collection named by a drill record exists and is the one the drill created: its
 * Milvus id must be the recorded one, or — when the id was never recorded, or a restore request of
 * the drill got no reply and may have created it later — a restore job of the recorded snapshot
 * must target it. A collection of that name that is neither is someone else's, whatever its name
 * says.
 */
export async function drillCollectionState(
  milvus: Pick<MilvusGateway, 'hasCollection' | 'describeCollection' | 'listRestoreJobs'>,
  record: DrillRecord,
): Promise<DrillCollectionState> {
  const ref: CollectionRef = { database: record.database, collection: record.drillCollection };
  if (!(await milvus.hasCollection(ref))) return { exists: false };
  const { id } = await milvus.describeCollection(ref);
  if (record.collectionId === id) return { exists: true, ours: true, id };
  // Another id: a collection someone else made, unless one of the drill's unanswered restore
  // requests created it later — which only a restore job of the drilled snapshot into it can show.
  if (record.collectionId !== undefined && record.lostRequests === 0) {
    return {
      exists: true,
      ours: false,
      id,
      reason: `its id is ${id}, not ${record.collectionId} as the drill recorded: it was created by someone else`,
    };
  }
  const jobs = await milvus.listRestoreJobs(ref);
  const restoredByDrill = jobs.some(
    (j) =>
      j.snapshotName === record.source.snapshotName &&
      j.collection === record.drillCollection &&
      (j.database === '' || j.database === record.database),
  );
  return restoredByDrill
    ? { exists: true, ours: true, id }
    : {
        exists: true,
        ours: false,
        id,
        reason:
          record.collectionId === undefined
            ? `no restore of ${record.source.snapshotName} targets it, and the drill never recorded its id`
            : `its id is ${id}, not ${record.collectionId} as the drill recorded, and no restore of ${record.source.snapshotName} targets it`,
      };
}
