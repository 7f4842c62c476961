import type * as z from 'zod';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import type { backupResultSchema } from '../shared/contracts/run-report';
import { SnapshotAlreadyExistsError, SnapshotNameTakenError } from '../shared/errors';
import type { MilvusGateway } from '../shared/milvus/milvus-gateway';
import { schemaFingerprint } from '../shared/schema-fingerprint';
import { formatSnapshotDescription, MARKER_TOOL, parseSnapshotMarker } from '../shared/snapshot-marker';

/** Input of CreateSnapshot: the run (its `snapshotName`, slot and schedule) and the collection. */
export const createSnapshotInputSchema = collectionStepBaseSchema;

/** CreateSnapshot's result (`$.backup`). */
export type BackupResult = z.infer<typeof backupResultSchema>;

/** What CreateSnapshot needs. */
export interface CreateSnapshotDependencies {
  readonly milvus: Pick<
    MilvusGateway,
    'flushedRowCount' | 'describeCollection' | 'createSnapshot' | 'describeSnapshot'
  >;
}

/**
 * Creates the run's dated snapshot of one collection, recording in its description the row
 * count and schema fingerprint a restore of it must reproduce, and our ownership marker.
 *
 * Idempotent: when a snapshot of that name already exists (a retried step whose first reply was
 * lost, or a schedule slot run twice) and it carries our marker, that is success
 * (`alreadyExisted: true`). A same-named snapshot without our marker belongs to someone else: we
 * refuse to adopt it, so retention can never drop it later.
 */
export async function createSnapshot(
  input: z.infer<typeof createSnapshotInputSchema>,
  deps: CreateSnapshotDependencies,
): Promise<BackupResult> {
  const { run, target } = input;
  const name = run.snapshotName;
  const [rows, collection] = await Promise.all([
    deps.milvus.flushedRowCount(target),
    deps.milvus.describeCollection(target),
  ]);
  const description = formatSnapshotDescription(
    { schedule: run.markerSchedule, rows, schema: schemaFingerprint(collection.schema) },
    { database: target.database, collection: target.collection, slot: new Date(run.slot) },
  );

  let alreadyExisted = false;
  try {
    await deps.milvus.createSnapshot(target, name, description);
  } catch (error) {
    if (!(error instanceof SnapshotAlreadyExistsError)) throw error;
    alreadyExisted = true;
  }

  const snapshot = await deps.milvus.describeSnapshot(target, name);
  const marker = parseSnapshotMarker(snapshot.description);
  if (!marker) {
    throw new SnapshotNameTakenError(
      `a snapshot named ${name} already exists in ${target.database}.${target.collection} and was not made by ` +
        `${MARKER_TOOL}; it is left untouched. Rename or drop it yourself, or change the schedule's snapshotPrefix.`,
    );
  }
  return {
    snapshotName: name,
    alreadyExisted,
    // An adopted snapshot keeps what was recorded when it was taken, not today's count.
    rowCount: marker.rows,
    createdAt: snapshot.createdAt.toISOString(),
  };
}
