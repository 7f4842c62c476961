import { type CallContext, type RpcHandler, rpc } from '../call-context';
import type { Collection } from '../collection';
import { MilvusStatusError } from '../errors';
import { fnv1a } from '../fnv1a';
import { randomPositiveInt64 } from '../id-allocator';
import { invalidParameter, missingParameter, snapshotNotFound, snapshotPinned } from '../milvus-errors';
import { MilvusCode, successStatus } from '../milvus-status';
import { validateName } from '../names';
import type { Snapshot } from '../snapshot-registry';
import type {
  CreateSnapshotRequest,
  PinSnapshotDataRequest,
  SnapshotRequest,
  UnpinSnapshotDataRequest,
} from '../wire-types';

const MAX_COMPACTION_PROTECTION_SECONDS = 604_800;
const MAX_PIN_TTL_SECONDS = 2_592_000;

/** CreateSnapshot, ListSnapshots, DescribeSnapshot, DropSnapshot, PinSnapshotData, UnpinSnapshotData. */
export const snapshotHandlers: Readonly<Record<string, RpcHandler>> = {
  CreateSnapshot: rpc((request: CreateSnapshotRequest, context: CallContext) => {
    requireCollectionName(request.collection_name);
    const name = validateName('snapshot', request.name);
    const protection = Number(request.compaction_protection_seconds);
    if (protection < 0 || protection > MAX_COMPACTION_PROTECTION_SECONDS) {
      throw invalidParameter(
        `compaction_protection_seconds must be between 0 and ${MAX_COMPACTION_PROTECTION_SECONDS}, got ${protection}`,
      );
    }
    const { state } = context;
    const collection = state.collection(context.databaseName(request.db_name), request.collection_name);
    if (state.snapshots.find(collection.id, name) !== undefined) {
      throw new MilvusStatusError(
        MilvusCode.ParameterInvalid,
        `snapshot name ${name} already exists in collection ${collection.name}`,
      );
    }
    // No implicit flush: the snapshot holds only sealed segments and flushed deletes.
    const id = state.ids.next();
    state.snapshots.add({
      id,
      name,
      description: request.description,
      collectionId: collection.id,
      collectionName: collection.name,
      database: collection.database,
      createTs: state.tso.next(),
      createdAtMs: context.now,
      s3Location: `snapshots/${collection.id}/metadata/${id}.json`,
      compactionProtectionSeconds: protection,
      content: collection.captureSnapshot(),
    });
    return successStatus();
  }),

  ListSnapshots: rpc((request: SnapshotRequest, context: CallContext) => {
    requireCollectionName(request.collection_name);
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    // The server lists snapshots in no defined order. Neither creation nor alphabetical order is
    // used here, so callers that rely on an order fail against the emulator too.
    const names = context.state.snapshots
      .list(collection.id)
      .map((s) => s.name)
      .sort((a, b) => fnv1a(a) - fnv1a(b) || a.localeCompare(b));
    return { status: successStatus(), snapshots: names };
  }),

  DescribeSnapshot: rpc((request: SnapshotRequest, context: CallContext) => {
    const { collection, snapshot } = lookUp(request, context);
    if (snapshot === undefined) {
      throw snapshotNotFound(collection.name, request.name.trim());
    }
    return {
      status: successStatus(),
      name: snapshot.name,
      description: snapshot.description,
      collection_name: snapshot.collectionName,
      partition_names: [...snapshot.content.partitions],
      create_ts: snapshot.createTs.toString(),
      s3_location: snapshot.s3Location,
    };
  }),

  DropSnapshot: rpc((request: SnapshotRequest, context: CallContext) => {
    const { snapshot } = lookUp(request, context);
    if (snapshot === undefined) {
      // Dropping a snapshot that does not exist succeeds: the server is idempotent here.
      return successStatus();
    }
    if (context.state.snapshots.isPinned(snapshot.id, context.now)) {
      throw snapshotPinned();
    }
    context.state.snapshots.remove(snapshot);
    return successStatus();
  }),

  PinSnapshotData: rpc((request: PinSnapshotDataRequest, context: CallContext) => {
    requireCollectionName(request.collection_name);
    const ttlSeconds = Number(request.ttl_seconds);
    if (ttlSeconds < 0 || ttlSeconds > MAX_PIN_TTL_SECONDS) {
      throw invalidParameter(`ttl_seconds must be between 0 and ${MAX_PIN_TTL_SECONDS}, got ${ttlSeconds}`);
    }
    const { collection, snapshot } = lookUp(request, context);
    if (snapshot === undefined) {
      throw snapshotNotFound(collection.name, request.name.trim());
    }
    const pinId = randomPositiveInt64();
    const now = context.now;
    context.state.snapshots.pin({
      id: pinId,
      snapshotId: snapshot.id,
      kind: 'user',
      createdAtMs: now,
      // ttl_seconds 0 pins until UnpinSnapshotData.
      expiresAtMs: ttlSeconds === 0 ? undefined : now + ttlSeconds * 1000,
    });
    return { status: successStatus(), pin_id: pinId };
  }),

  UnpinSnapshotData: rpc((request: UnpinSnapshotDataRequest, context: CallContext) => {
    if (request.pin_id === '0' || request.pin_id === '') {
      throw missingParameter('pin_id');
    }
    // Unknown and expired pins unpin successfully: the server is idempotent here.
    context.state.snapshots.unpin(request.pin_id, context.now);
    return successStatus();
  }),
};

function requireCollectionName(name: string): void {
  if (name.trim() === '') {
    throw missingParameter('collection_name');
  }
}

function lookUp(
  request: SnapshotRequest,
  context: CallContext,
): { collection: Collection; snapshot?: Snapshot } {
  requireCollectionName(request.collection_name);
  const name = validateName('snapshot', request.name);
  const collection = context.state.collection(context.databaseName(request.db_name), request.collection_name);
  const snapshot = context.state.snapshots.find(collection.id, name);
  return snapshot === undefined ? { collection } : { collection, snapshot };
}
