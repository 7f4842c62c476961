import * as z from 'zod';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { backupResultSchema } from '../shared/contracts/run-report';
import { NoSnapshotToDrillError, SnapshotNotFoundError } from '../shared/errors';
import type { CollectionRef, MilvusGateway, SnapshotDescription } from '../shared/milvus/milvus-gateway';
import { parseSnapshotMarker, type SnapshotMarker } from '../shared/snapshot-marker';

/** ChooseSnapshot's input: the run, the collection, and the backup when this run just made one. */
export const chooseSnapshotInputSchema = collectionStepBaseSchema.extend({
  backup: backupResultSchema.optional(),
});

/** ChooseSnapshot's input. */
export type ChooseSnapshotInput = z.infer<typeof chooseSnapshotInputSchema>;

/** The snapshot a drill restores, and what its marker says a restore must contain (`$.drillSource`). */
export const drillSourceSchema = z
  .object({
    snapshotName: z.string().min(1),
    /** Creation time from the snapshot's `create_ts` (ISO 8601). */
    createdAt: z.iso.datetime(),
    /** Rows recorded in the marker when the snapshot was taken. */
    expectedRows: z.number().int().nonnegative(),
    /** Schema fingerprint recorded in the marker. */
    schemaFingerprint: z.string().min(1),
  })
  .strict();

/** The snapshot a drill restores. */
export type DrillSource = z.infer<typeof drillSourceSchema>;

/** What ChooseSnapshot needs. */
export interface ChooseSnapshotDependencies {
  readonly milvus: MilvusGateway;
}

/**
 * Picks the snapshot to drill: the one named in the run (`run.drillSnapshot`), else the one this
 * run just created (`backup`), else the newest snapshot of the collection that carries this tool's
 * marker. A named snapshot that is missing or not ours, or a collection without any snapshot of
 * ours, fails with {@link NoSnapshotToDrillError}.
 */
export async function chooseSnapshot(
  input: ChooseSnapshotInput,
  { milvus }: ChooseSnapshotDependencies,
): Promise<DrillSource> {
  const ref: CollectionRef = { database: input.target.database, collection: input.target.collection };
  const named = input.run.drillSnapshot ?? input.backup?.snapshotName;
  if (named !== undefined) {
    const why = input.run.drillSnapshot !== undefined ? 'named in the run input' : 'created by this run';
    return toDrillSource(await describeOwned(milvus, ref, named, why));
  }
  const newest = await newestOwned(milvus, ref);
  if (!newest) {
    throw new NoSnapshotToDrillError(
      `${ref.database}.${ref.collection} has no snapshot made by milvus-snapshot-scheduler to drill; ` +
        'run a backup first, or name a snapshot with "snapshot" in the execution input',
    );
  }
  return toDrillSource(newest);
}

interface OwnedSnapshot {
  readonly description: SnapshotDescription;
  readonly marker: SnapshotMarker;
}

async function describeOwned(
  milvus: MilvusGateway,
  ref: CollectionRef,
  snapshotName: string,
  why: string,
): Promise<OwnedSnapshot> {
  let description: SnapshotDescription;
  try {
    description = await milvus.describeSnapshot(ref, snapshotName);
  } catch (error) {
    if (error instanceof SnapshotNotFoundError) {
      throw new NoSnapshotToDrillError(
        `snapshot ${snapshotName} (${why}) does not exist in ${ref.database}.${ref.collection}`,
        { cause: error, milvusCode: error.milvusCode },
      );
    }
    throw error;
  }
  const marker = parseSnapshotMarker(description.description);
  if (!marker) {
    throw new NoSnapshotToDrillError(
      `snapshot ${snapshotName} (${why}) of ${ref.database}.${ref.collection} was not made by ` +
        'milvus-snapshot-scheduler (its description has no marker), so a drill cannot know what it must contain',
    );
  }
  return { description, marker };
}

async function newestOwned(milvus: MilvusGateway, ref: CollectionRef): Promise<OwnedSnapshot | undefined> {
  let newest: OwnedSnapshot | undefined;
  for (const name of await milvus.listSnapshots(ref)) {
    let description: SnapshotDescription;
    try {
      description = await milvus.describeSnapshot(ref, name);
    } catch (error) {
      // Dropped between the list and the describe (a concurrent retention run): not a candidate.
      if (error instanceof SnapshotNotFoundError) continue;
      throw error;
    }
    const marker = parseSnapshotMarker(description.description);
    if (!marker) continue;
    if (!newest || isNewer(description, newest.description)) newest = { description, marker };
  }
  return newest;
}

/** Newer by `create_ts` (exact, as a BigInt); the name breaks a tie so the choice is stable. */
function isNewer(a: SnapshotDescription, b: SnapshotDescription): boolean {
  const ta = BigInt(a.createTs || '0');
  const tb = BigInt(b.createTs || '0');
  return ta !== tb ? ta > tb : a.name > b.name;
}

function toDrillSource({ description, marker }: OwnedSnapshot): DrillSource {
  return {
    snapshotName: description.name,
    createdAt: description.createdAt.toISOString(),
    expectedRows: marker.rows,
    schemaFingerprint: marker.schema,
  };
}
