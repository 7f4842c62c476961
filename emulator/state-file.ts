import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { Collection, type IndexInfo, type SegmentData, type SnapshotContent } from './collection';
import { type CollectionSchemaModel, schemaModelOf } from './collection-schema';
import { Database } from './database';
import type { AdoptedState, EmulatorState } from './emulator-state';
import { EmulatorStateError } from './errors';
import { loadMilvusProtocol } from './proto';
import type { RestoreJob } from './restore-jobs';
import type { Row } from './row';
import { decodeRows, type EncodedRowSet, encodeRows } from './row-codec';
import type { Pin, Snapshot } from './snapshot-registry';
import type { WireCollectionSchema, WireFieldSchema } from './wire-types';

/** What the `format` field of an emulator state file says. */
export const STATE_FILE_FORMAT = 'milvus-emulator-state';
/** The version of the state file format this emulator writes and reads. */
export const STATE_FILE_VERSION = 1;

// The file is one JSON document. Shared things are written once and referred to by index:
// schemas (`schemas`), arrays of rows (`rowSets`: a snapshot, the collection it was taken of
// and every restore of it share their sealed segments' rows) and snapshot segments
// (`segments`, shared by snapshots and the restore jobs copying them). Schema fields at their
// protobuf default are left out, so thousands of small collections stay small.

const int64 = z.string().regex(/^-?\d+$/, 'an int64 as a decimal string');
const index = z.number().int().nonnegative();
const epochMs = z.number().finite();
const keyValues = z.array(z.strictObject({ key: z.string(), value: z.string() }));
const deletes = z.strictObject({ pk: z.array(z.string()), seq: z.array(z.number().int()) });
const indexInfo = z.strictObject({
  indexId: int64,
  indexName: z.string(),
  fieldName: z.string(),
  params: keyValues,
});
const segmentRef = z.strictObject({
  id: int64,
  partition: z.string(),
  shard: z.number().int().nonnegative(),
  rows: index,
});
const column = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('f32'), dim: z.number().int().nonnegative(), b64: z.string() }),
  z.strictObject({ t: z.literal('any'), v: z.array(z.unknown()), absent: z.array(index).optional() }),
]);

const stateFileSchema = z.strictObject({
  format: z.literal(STATE_FILE_FORMAT),
  version: z.literal(STATE_FILE_VERSION),
  savedAtMs: epochMs,
  nextId: int64,
  tsoFloor: int64,
  lastSeq: z.number().int().nonnegative(),
  schemas: z.array(z.record(z.string(), z.unknown())),
  rowSets: z.array(
    z.strictObject({
      seq: z.array(z.tuple([z.number().int(), z.number().int().positive()])),
      pk: z.array(z.string()),
      columns: z.record(z.string(), column),
    }),
  ),
  segments: z.array(segmentRef),
  databases: z.array(
    z.strictObject({
      name: z.string(),
      id: int64,
      createdAtMs: epochMs,
      properties: keyValues,
      aliases: z.array(z.tuple([z.string(), int64])),
    }),
  ),
  collections: z.array(
    z.strictObject({
      id: int64,
      database: z.string(),
      name: z.string(),
      schema: index,
      shardsNum: z.number().int().positive(),
      consistencyLevel: z.string(),
      properties: keyValues,
      createdAtMs: epochMs,
      createdTs: int64,
      loaded: z.boolean(),
      partitions: z.array(z.strictObject({ id: int64, name: z.string(), createdAtMs: epochMs })),
      indexes: z.array(indexInfo),
      segments: z.array(segmentRef.extend({ state: z.enum(['growing', 'flushed']) })),
      deletes: z.strictObject({ all: deletes, unflushed: deletes, flushed: deletes }),
    }),
  ),
  snapshots: z.array(
    z.strictObject({
      id: int64,
      name: z.string(),
      description: z.string(),
      collectionId: int64,
      collectionName: z.string(),
      database: z.string(),
      createTs: int64,
      createdAtMs: epochMs,
      s3Location: z.string(),
      compactionProtectionSeconds: z.number().int().nonnegative(),
      orphaned: z.boolean(),
      content: z.strictObject({
        schema: index,
        shardsNum: z.number().int().positive(),
        consistencyLevel: z.string(),
        properties: keyValues,
        partitions: z.array(z.string()),
        indexes: z.array(indexInfo),
        segments: z.array(index),
        deletes,
      }),
    }),
  ),
  pins: z.array(
    z.strictObject({
      id: int64,
      snapshotId: int64,
      kind: z.enum(['user', 'restore']),
      createdAtMs: epochMs,
      expiresAtMs: epochMs.nullable(),
      jobId: int64.optional(),
    }),
  ),
  restoreJobs: z.array(
    z.strictObject({
      id: int64,
      snapshotId: int64,
      snapshotName: z.string(),
      sourceDatabase: z.string(),
      sourceCollection: z.string(),
      targetDatabase: z.string(),
      targetCollection: z.string(),
      targetCollectionId: int64,
      timeline: z.strictObject({
        startMs: epochMs,
        durationMs: z.number().nonnegative(),
        outcome: z.enum(['completed', 'failed', 'stuck']),
        failureReason: z.string(),
        totalSegments: z.number().int().nonnegative(),
        timeoutMs: z.number().nonnegative(),
      }),
      segments: z.array(index),
      pinId: int64,
      state: z.enum([
        'RestoreSnapshotPending',
        'RestoreSnapshotExecuting',
        'RestoreSnapshotCompleted',
        'RestoreSnapshotFailed',
      ]),
      progress: z.number().int().min(0).max(100),
      reason: z.string(),
      copiedSegments: z.number().int().nonnegative(),
      endedAtMs: epochMs.nullable(),
      timeCostMs: z.number().nonnegative(),
    }),
  ),
});

/** An emulator state file, as parsed. */
export type StateFile = z.infer<typeof stateFileSchema>;

/** The whole state of an emulator, as the JSON document a state file holds. */
export function serializeState(state: EmulatorState): StateFile {
  state.settle();
  const pools = new Pools();
  const collections = [...state.databases.values()].flatMap((d) => [...d.collections.values()]);
  return {
    format: STATE_FILE_FORMAT,
    version: STATE_FILE_VERSION,
    savedAtMs: state.now(),
    nextId: state.ids.peek(),
    tsoFloor: state.tso.floor.toString(),
    lastSeq: state.lastSeq,
    databases: [...state.databases.values()].map((d) => ({
      name: d.name,
      id: d.id,
      createdAtMs: d.createdAtMs,
      properties: [...d.properties],
      aliases: [...d.aliases],
    })),
    collections: collections.map((c) => {
      const data = c.exportData();
      return {
        id: c.id,
        database: c.database,
        name: c.name,
        schema: pools.schema(c.schema),
        shardsNum: c.shardsNum,
        consistencyLevel: c.consistencyLevel,
        properties: [...c.properties],
        createdAtMs: c.createdAtMs,
        createdTs: c.createdTs.toString(),
        loaded: c.loaded,
        partitions: [...c.partitions.values()].map((p) => ({ ...p })),
        indexes: [...c.indexes.values()].map(indexRecord),
        segments: data.segments.map((s) => ({
          id: s.id,
          partition: s.partition,
          shard: s.shard,
          state: s.state,
          rows: pools.rows(s.rows),
        })),
        deletes: {
          all: deleteRecord(data.deleteSeq),
          unflushed: deleteRecord(data.unflushedDeletes),
          flushed: deleteRecord(data.flushedDeletes),
        },
      };
    }),
    snapshots: state.snapshots.all().map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      collectionId: s.collectionId,
      collectionName: s.collectionName,
      database: s.database,
      createTs: s.createTs.toString(),
      createdAtMs: s.createdAtMs,
      s3Location: s.s3Location,
      compactionProtectionSeconds: s.compactionProtectionSeconds,
      orphaned: state.snapshots.isOrphaned(s.id),
      content: {
        schema: pools.schema(s.content.schema),
        shardsNum: s.content.shardsNum,
        consistencyLevel: s.content.consistencyLevel,
        properties: [...s.content.properties],
        partitions: [...s.content.partitions],
        indexes: s.content.indexes.map(indexRecord),
        segments: s.content.segments.map((segment) => pools.segment(segment)),
        deletes: deleteRecord(s.content.deletes),
      },
    })),
    pins: state.snapshots.allPins().map((p) => ({
      id: p.id,
      snapshotId: p.snapshotId,
      kind: p.kind,
      createdAtMs: p.createdAtMs,
      expiresAtMs: p.expiresAtMs ?? null,
      ...(p.jobId === undefined ? {} : { jobId: p.jobId }),
    })),
    restoreJobs: state.restores.list().map((j) => ({
      id: j.id,
      snapshotId: j.snapshotId,
      snapshotName: j.snapshotName,
      sourceDatabase: j.sourceDatabase,
      sourceCollection: j.sourceCollection,
      targetDatabase: j.targetDatabase,
      targetCollection: j.targetCollection,
      targetCollectionId: j.targetCollectionId,
      timeline: { ...j.timeline },
      segments: j.segments.map((segment) => pools.segment(segment)),
      pinId: j.pinId,
      state: j.state,
      progress: j.progress,
      reason: j.reason,
      copiedSegments: j.copiedSegments,
      endedAtMs: j.endedAtMs ?? null,
      timeCostMs: j.timeCostMs,
    })),
    schemas: pools.schemas,
    rowSets: pools.rowSets,
    segments: pools.segments,
  };
}

/**
 * Writes the state to `path` atomically: a temporary file beside it, then a rename, so a
 * crash mid-write leaves the previous file whole. Creates the directory when missing.
 *
 * @throws EmulatorStateError naming the file when it cannot be written.
 */
export async function writeStateFile(path: string, state: EmulatorState): Promise<void> {
  const text = JSON.stringify(serializeState(state));
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new EmulatorStateError(`cannot write emulator state file ${path}: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}

/**
 * Reads and validates a state file; undefined when there is no file at `path`.
 *
 * @throws EmulatorStateError naming the file when it cannot be read, is not JSON, is not an
 *   emulator state, has another version, or does not match the format.
 */
export async function readStateFile(path: string): Promise<StateFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new EmulatorStateError(`cannot read emulator state file ${path}: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EmulatorStateError(`emulator state file ${path} is not valid JSON: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  return parseStateFile(json, path);
}

/**
 * Validates a parsed state file.
 *
 * @param source the file name, for the message.
 * @throws EmulatorStateError naming the source.
 */
export function parseStateFile(json: unknown, source: string): StateFile {
  const header = z.object({ format: z.unknown(), version: z.unknown() }).safeParse(json);
  if (!header.success || header.data.format !== STATE_FILE_FORMAT) {
    throw new EmulatorStateError(
      `${source} is not a Milvus emulator state file (its "format" is not "${STATE_FILE_FORMAT}")`,
    );
  }
  if (header.data.version !== STATE_FILE_VERSION) {
    throw new EmulatorStateError(
      `emulator state file ${source} has version ${JSON.stringify(header.data.version)}; this emulator reads version ${STATE_FILE_VERSION}`,
    );
  }
  const parsed = stateFileSchema.safeParse(json);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const where = issue === undefined ? '(file)' : issue.path.map(String).join('.') || '(file)';
    throw new EmulatorStateError(
      `emulator state file ${source} is damaged: ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * Replaces the state of an emulator with a saved one.
 *
 * @param source the file name, for the message.
 * @throws EmulatorStateError naming the source when the parts of the file do not fit together.
 */
export function adoptStateFile(state: EmulatorState, file: StateFile, source: string): void {
  try {
    state.adopt(rebuild(file));
  } catch (error) {
    if (error instanceof EmulatorStateError) {
      throw error;
    }
    throw new EmulatorStateError(`emulator state file ${source} is damaged: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}

function rebuild(file: StateFile): AdoptedState {
  const at = <T>(list: readonly T[], i: number, what: string): T => {
    const item = list[i];
    if (item === undefined) {
      throw new RangeError(`${what} ${i} is referred to but not in the file`);
    }
    return item;
  };
  const expander = new SchemaExpander();
  const schemas = file.schemas.map((compact) => schemaModelOf(expander.expand(compact)));
  const rowSets = file.rowSets.map((rowSet) => decodeRows(rowSet));
  const segments: SegmentData[] = file.segments.map((s) => ({
    id: s.id,
    partition: s.partition,
    shard: s.shard,
    rows: Object.freeze(at(rowSets, s.rows, 'row set')),
  }));

  const databases = file.databases.map((d) => {
    const database = new Database(d.name, d.id, d.createdAtMs, d.properties);
    for (const [alias, collectionId] of d.aliases) {
      database.aliases.set(alias, collectionId);
    }
    return database;
  });
  const collections = file.collections.map((c) => {
    const [defaultPartition] = c.partitions;
    if (defaultPartition === undefined) {
      throw new RangeError(`collection ${c.id} has no partitions`);
    }
    const collection = new Collection({
      id: c.id,
      database: c.database,
      name: c.name,
      schema: at(schemas, c.schema, 'schema'),
      shardsNum: c.shardsNum,
      consistencyLevel: c.consistencyLevel,
      properties: c.properties,
      createdAtMs: c.createdAtMs,
      createdTs: BigInt(c.createdTs),
      defaultPartitionId: defaultPartition.id,
    });
    for (const partition of c.partitions) {
      collection.addPartition(partition);
    }
    for (const info of c.indexes) {
      collection.indexes.set(info.fieldName, info);
    }
    collection.loaded = c.loaded;
    collection.importData({
      segments: c.segments.map((s) => ({ ...s, rows: at(rowSets, s.rows, 'row set') })),
      deleteSeq: deleteMap(c.deletes.all),
      unflushedDeletes: deleteMap(c.deletes.unflushed),
      flushedDeletes: deleteMap(c.deletes.flushed),
    });
    return collection;
  });
  const snapshots: Snapshot[] = file.snapshots.map((s) => {
    const content: SnapshotContent = {
      schema: at(schemas, s.content.schema, 'schema'),
      shardsNum: s.content.shardsNum,
      consistencyLevel: s.content.consistencyLevel,
      properties: s.content.properties,
      partitions: s.content.partitions,
      indexes: s.content.indexes,
      segments: s.content.segments.map((i) => at(segments, i, 'segment')),
      deletes: deleteMap(s.content.deletes),
    };
    return {
      id: s.id,
      name: s.name,
      description: s.description,
      collectionId: s.collectionId,
      collectionName: s.collectionName,
      database: s.database,
      createTs: BigInt(s.createTs),
      createdAtMs: s.createdAtMs,
      s3Location: s.s3Location,
      compactionProtectionSeconds: s.compactionProtectionSeconds,
      content,
    };
  });
  const pins: Pin[] = file.pins.map((p) => ({
    id: p.id,
    snapshotId: p.snapshotId,
    kind: p.kind,
    createdAtMs: p.createdAtMs,
    expiresAtMs: p.expiresAtMs ?? undefined,
    ...(p.jobId === undefined ? {} : { jobId: p.jobId }),
  }));
  const restoreJobs: RestoreJob[] = file.restoreJobs.map((j) => ({
    ...j,
    segments: j.segments.map((i) => at(segments, i, 'segment')),
    endedAtMs: j.endedAtMs ?? undefined,
  }));
  return {
    databases,
    collections,
    snapshots,
    orphanedSnapshotIds: file.snapshots.filter((s) => s.orphaned).map((s) => s.id),
    pins,
    restoreJobs,
    nextId: BigInt(file.nextId),
    tsoFloor: BigInt(file.tsoFloor),
    lastSeq: file.lastSeq,
  };
}

/** Pools of the things a state file writes once and refers to by index. */
class Pools {
  readonly schemas: Record<string, unknown>[] = [];
  readonly rowSets: EncodedRowSet[] = [];
  readonly segments: { id: string; partition: string; shard: number; rows: number }[] = [];
  readonly #schemaIndex = new Map<CollectionSchemaModel, number>();
  readonly #rowIndex = new Map<readonly Row[], number>();
  readonly #segmentIndex = new Map<SegmentData, number>();
  readonly #compactor = new SchemaExpander();

  schema(model: CollectionSchemaModel): number {
    return remember(
      this.#schemaIndex,
      model,
      () => this.schemas.push(this.#compactor.compact(model.wire)) - 1,
    );
  }

  rows(rows: readonly Row[]): number {
    return remember(this.#rowIndex, rows, () => this.rowSets.push(encodeRows(rows)) - 1);
  }

  segment(segment: SegmentData): number {
    return remember(this.#segmentIndex, segment, () => {
      const rows = this.rows(segment.rows);
      return (
        this.segments.push({ id: segment.id, partition: segment.partition, shard: segment.shard, rows }) - 1
      );
    });
  }
}

function remember<K>(map: Map<K, number>, key: K, add: () => number): number {
  let i = map.get(key);
  if (i === undefined) {
    i = add();
    map.set(key, i);
  }
  return i;
}

/** Leaves out, and puts back, the schema fields that hold their protobuf default. */
class SchemaExpander {
  readonly #field = loadMilvusProtocol().defaultsOf('milvus.proto.schema.FieldSchema');
  readonly #collection = loadMilvusProtocol().defaultsOf('milvus.proto.schema.CollectionSchema');

  compact(wire: WireCollectionSchema): Record<string, unknown> {
    const out = withoutDefaults(wire as unknown as Record<string, unknown>, this.#collection);
    out.fields = wire.fields.map((f) =>
      withoutDefaults(f as unknown as Record<string, unknown>, this.#field),
    );
    return out;
  }

  expand(compact: Record<string, unknown>): WireCollectionSchema {
    const fields = Array.isArray(compact.fields) ? (compact.fields as Record<string, unknown>[]) : [];
    return {
      ...structuredClone(this.#collection),
      ...compact,
      fields: fields.map((f) => ({ ...structuredClone(this.#field), ...f }) as unknown as WireFieldSchema),
    } as unknown as WireCollectionSchema;
  }
}

function withoutDefaults(
  value: Record<string, unknown>,
  defaults: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(key in defaults) || JSON.stringify(v) !== JSON.stringify(defaults[key])) {
      out[key] = v;
    }
  }
  return out;
}

function indexRecord(info: IndexInfo): StateFile['collections'][number]['indexes'][number] {
  return {
    indexId: info.indexId,
    indexName: info.indexName,
    fieldName: info.fieldName,
    params: [...info.params],
  };
}

function deleteRecord(map: ReadonlyMap<string, number>): { pk: string[]; seq: number[] } {
  return { pk: [...map.keys()], seq: [...map.values()] };
}

function deleteMap(record: {
  readonly pk: readonly string[];
  readonly seq: readonly number[];
}): Map<string, number> {
  if (record.pk.length !== record.seq.length) {
    throw new RangeError(
      `a delete list has ${record.pk.length} keys but ${record.seq.length} sequence numbers`,
    );
  }
  return new Map(record.pk.map((pk, i) => [pk, record.seq[i] ?? 0]));
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
