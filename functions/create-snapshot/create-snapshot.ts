import type * as z from 'zod';
import { collectionStepBaseSchema, type RunContext } from '../shared/contracts/run-context';
import type { backupResultSchema } from '../shared/contracts/run-report';
import {
  MilvusUnavailableError,
  SnapshotAlreadyExistsError,
  SnapshotInProgressError,
  SnapshotNameTakenError,
  SnapshotNotFoundError,
} from '../shared/errors';
import {
  INTENT_STALE_MS,
  newNonce,
  ownershipOf,
  type SnapshotContents,
  SnapshotLedger,
  type SnapshotRecord,
} from '../shared/ledger/snapshot-ledger';
import type { CollectionRef, MilvusGateway, SnapshotDescription } from '../shared/milvus/milvus-gateway';
import { type RecordScope, type ReportStore, recordScopeOf } from '../shared/reports/report-store';
import { schemaFingerprint } from '../shared/schema-fingerprint';
import { formatSnapshotDescription } from '../shared/snapshot-marker';

/** Input of CreateSnapshot: the run (its `snapshotName`, slot and schedule) and the collection. */
export const createSnapshotInputSchema = collectionStepBaseSchema;

/** CreateSnapshot's result (`$.backup`). */
export type BackupResult = z.infer<typeof backupResultSchema>;

/** What CreateSnapshot needs. */
export interface CreateSnapshotDependencies {
  readonly milvus: Pick<
    MilvusGateway,
    | 'flushedRowCount'
    | 'flushedSegments'
    | 'describeCollection'
    | 'loadState'
    | 'countRows'
    | 'sampleKeys'
    | 'createSnapshot'
    | 'describeSnapshot'
  >;
  readonly store: Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'>;
  readonly now: () => Date;
}

const LOADED = 'LoadStateLoaded';

/**
 * Creates the run's dated snapshot of one collection.
 *
 * 1. The intent goes into the ledger first, with a random nonce and what the snapshot will hold
 *    (row and segment counts, and `count(*)` and sampled primary keys when the collection is
 *    loaded): what a restore drill must later find.
 * 2. CreateSnapshot, with a description whose marker names this deployment and repeats the nonce.
 * 3. The snapshot's identity (`create_ts`) completes the record.
 *
 * A lost CreateSnapshot reply is recovered by the state machine's retry: the retry finds its own
 * intent, and the existing snapshot carries its nonce. A same-named snapshot that does not is
 * someone else's and fails the collection ({@link SnapshotNameTakenError}) — it is never adopted.
 * A snapshot of the same name recorded by another run of this deployment (a schedule slot
 * delivered twice) is reported as already there, with the run that made it.
 */
export async function createSnapshot(
  input: z.infer<typeof createSnapshotInputSchema>,
  deps: CreateSnapshotDependencies,
): Promise<BackupResult> {
  const { run, target } = input;
  const ref: CollectionRef = { database: target.database, collection: target.collection };
  const ledger = new SnapshotLedger(deps.store, recordScopeOf(run));
  const name = run.snapshotName;

  let record = await ledger.read(ref.database, ref.collection, name);
  if (record && record.runId !== run.runId) {
    const earlier = await fromEarlierRun(record, input, deps, ledger);
    if (earlier.result) return earlier.result;
    record = undefined;
  }
  if (!record) {
    const intent = newIntent(
      run,
      ref,
      await measureContents(deps.milvus, ref, run.drill.sampleSize),
      deps.now(),
    );
    if (await ledger.create(intent)) {
      record = intent;
    } else {
      // Another run recorded the same name between our read and our write.
      const other = await ledger.read(ref.database, ref.collection, name);
      if (!other)
        throw new SnapshotInProgressError(`the ledger record of ${name} in ${where(ref)} is being written`);
      const earlier = await fromEarlierRun(other, input, deps, ledger);
      if (earlier.result) return earlier.result;
      throw new SnapshotInProgressError(
        `another run of this deployment is creating ${name} in ${where(ref)}`,
      );
    }
  }
  return completeOwnCreate(record, input, deps, ledger);
}

/** Creates (or finds, after a lost reply) the snapshot this run recorded, and completes its record. */
async function completeOwnCreate(
  record: SnapshotRecord,
  { run, target }: z.infer<typeof createSnapshotInputSchema>,
  deps: CreateSnapshotDependencies,
  ledger: SnapshotLedger,
): Promise<BackupResult> {
  const ref: CollectionRef = { database: target.database, collection: target.collection };
  if (record.state === 'creating') {
    const description = formatSnapshotDescription(
      {
        deployment: run.deployment.id,
        schedule: run.markerSchedule,
        rows: record.contents.rows,
        schema: record.contents.schema,
        nonce: record.nonce,
      },
      { database: ref.database, collection: ref.collection, slot: new Date(run.slot) },
    );
    try {
      await deps.milvus.createSnapshot(ref, record.snapshotName, description);
    } catch (error) {
      // Either an earlier attempt of this step took effect (its reply was lost) or the name is taken:
      // the snapshot's marker tells which.
      if (!(error instanceof SnapshotAlreadyExistsError)) {
        // Milvus answered: nothing was created, so the intent goes. A lost reply keeps it for the retry.
        if (!(error instanceof MilvusUnavailableError)) await ledger.remove(record);
        throw error;
      }
    }
  }
  const snapshot = await deps.milvus.describeSnapshot(ref, record.snapshotName);
  const ownership = ownershipOf(snapshot, record, run.deployment.id);
  if (!ownership.ours) {
    // Our intent never became a snapshot: the name was taken. Nothing of ours is left to record.
    if (record.state === 'creating') await ledger.remove(record);
    throw nameTaken(ref, record.snapshotName, ownership.reason);
  }
  const completed = await markCreated(record, snapshot, run, deps.now(), ledger);
  return {
    snapshotName: record.snapshotName,
    alreadyExisted: false,
    rowCount: completed.contents.rows,
    createdAt: snapshot.createdAt.toISOString(),
  };
}

/**
 * The same snapshot name was recorded by another run of this deployment. When Milvus holds that
 * run's snapshot, this run's backup is that snapshot (a slot delivered twice). When Milvus has no
 * such snapshot, the other run is either still creating it (retry later) or never did (its intent
 * is stale and this run takes the name over).
 */
async function fromEarlierRun(
  record: SnapshotRecord,
  { run, target }: z.infer<typeof createSnapshotInputSchema>,
  deps: CreateSnapshotDependencies,
  ledger: SnapshotLedger,
): Promise<{ result?: BackupResult }> {
  const ref: CollectionRef = { database: target.database, collection: target.collection };
  const snapshot = await describeIfExists(deps.milvus, ref, record.snapshotName);
  if (snapshot) {
    const ownership = ownershipOf(snapshot, record, run.deployment.id);
    if (!ownership.ours) throw nameTaken(ref, record.snapshotName, ownership.reason);
    if (record.state === 'dropping') {
      throw new SnapshotNameTakenError(
        `${record.snapshotName} in ${where(ref)} is this deployment's snapshot from run ${record.runId}, ` +
          "and retention is dropping it right now; this run made no snapshot. Run again later, or change the schedule's snapshotPrefix.",
      );
    }
    const completed = await markCreated(record, snapshot, run, deps.now(), ledger);
    return {
      result: {
        snapshotName: record.snapshotName,
        alreadyExisted: true,
        madeByRun: record.runId,
        rowCount: completed.contents.rows,
        createdAt: snapshot.createdAt.toISOString(),
      },
    };
  }
  const age = deps.now().getTime() - Date.parse(record.updatedAt);
  if (record.state === 'creating' && age < INTENT_STALE_MS) {
    throw new SnapshotInProgressError(
      `run ${record.runId} of this deployment is creating ${record.snapshotName} in ${where(ref)}; retrying`,
    );
  }
  // A stale intent, or a record whose snapshot is gone: this run makes the snapshot afresh.
  await ledger.remove(record);
  return {};
}

async function markCreated(
  record: SnapshotRecord,
  snapshot: SnapshotDescription,
  run: RunContext,
  now: Date,
  ledger: SnapshotLedger,
): Promise<SnapshotRecord> {
  if (record.state === 'created' && record.createTs === snapshot.createTs) return record;
  const completed: SnapshotRecord = {
    ...record,
    state: record.state === 'dropping' ? 'dropping' : 'created',
    createTs: snapshot.createTs,
    createdAt: snapshot.createdAt.toISOString(),
    updatedBy: run.runId,
    updatedAt: now.toISOString(),
  };
  await ledger.write(completed);
  return completed;
}

function newIntent(
  run: RunContext,
  ref: CollectionRef,
  contents: SnapshotContents,
  now: Date,
): SnapshotRecord {
  const scope: RecordScope = recordScopeOf(run);
  return {
    schemaVersion: 1,
    kind: 'snapshot',
    deploymentId: scope.deploymentId,
    clusterKey: scope.clusterKey,
    database: ref.database,
    collection: ref.collection,
    snapshotName: run.snapshotName,
    runId: run.runId,
    nonce: newNonce(),
    state: 'creating',
    intentAt: now.toISOString(),
    contents,
    updatedBy: run.runId,
    updatedAt: now.toISOString(),
  };
}

/**
 * What the snapshot about to be taken will hold: the collection's flushed rows and segments, and,
 * when it is loaded, `count(*)` (which honours deletes) and a sample of primary keys. Taken right
 * after the flush, immediately before the snapshot.
 */
export async function measureContents(
  milvus: CreateSnapshotDependencies['milvus'],
  ref: CollectionRef,
  sampleSize: number,
): Promise<SnapshotContents> {
  const [rows, segments, collection, loadState] = await Promise.all([
    milvus.flushedRowCount(ref),
    milvus.flushedSegments(ref),
    milvus.describeCollection(ref),
    milvus.loadState(ref),
  ]);
  const loaded = loadState === LOADED;
  const [visibleRows, sampled] = loaded
    ? await Promise.all([milvus.countRows(ref), milvus.sampleKeys(ref, collection.primaryField, sampleSize)])
    : [null, []];
  return {
    rows,
    segments: segments ?? null,
    visibleRows,
    sampleKeys: withinBudget(sampled),
    primaryIsString: collection.primaryIsString,
    schema: schemaFingerprint(collection.schema),
  };
}

/**
 * The sampled keys travel in every drill step's input: at most {@link SAMPLE_KEYS_BUDGET}
 * characters of them (a VarChar key may be 65,535 characters long), and none longer than 256.
 */
function withinBudget(keys: readonly string[]): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const key of keys) {
    if (key.length > 256 || used + key.length > SAMPLE_KEYS_BUDGET) continue;
    kept.push(key);
    used += key.length;
  }
  return kept;
}

/** Characters of sampled primary keys a snapshot's record may carry into a drill. */
export const SAMPLE_KEYS_BUDGET = 4096;

async function describeIfExists(
  milvus: Pick<MilvusGateway, 'describeSnapshot'>,
  ref: CollectionRef,
  name: string,
): Promise<SnapshotDescription | undefined> {
  try {
    return await milvus.describeSnapshot(ref, name);
  } catch (error) {
    if (error instanceof SnapshotNotFoundError) return undefined;
    throw error;
  }
}

function nameTaken(ref: CollectionRef, name: string, why: string): SnapshotNameTakenError {
  return new SnapshotNameTakenError(
    `a snapshot named ${name} already exists in ${where(ref)} and this deployment did not make it (${why}); ` +
      "it is left untouched and no snapshot was taken. Rename or drop it yourself, or change the schedule's snapshotPrefix.",
  );
}

function where(ref: CollectionRef): string {
  return `${ref.database}.${ref.collection}`;
}
