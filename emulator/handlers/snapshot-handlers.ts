import { type CallContext, type RpcHandler, rpc } from '../call-context';
import type { Collection } from '../collection';
import { randomPositiveInt64 } from '../id-allocator';
import {
  invalidParameter,
  missingParameter,
  snapshotAlreadyExists,
  snapshotNotFound,
  snapshotPinned,
} from '../milvus-errors';
import { successStatus } from '../milvus-status';
import { validateName } from '../names';
import type { Snapshot } from '../snapshot-registry';
import { unordered } from '../unordered';
import type {
  CreateSnapshotRequest,
  PinSnapshotDataRequest,
  SnapshotRequest,
  UnpinSnapshotDataRequest,
} from '../wire-types';

const MAX_COMPACTION_PROTECTION_SECONDS = 604_800;
const MAX_PIN_TTL_SECONDS = 2_592_000;

// Checks run in the order of the Milvus 3.0 proxy's snapshot tasks (internal/proxy/ddl/
// task_snapshot.go) and then datacoord's snapshot manager, so a request with several problems
// gets the answer the server gives. Names are validated trimmed but used as sent, as there.

/** CreateSnapshot, ListSnapshots, DescribeSnapshot, DropSnapshot, PinSnapshotData, UnpinSnapshotData. */
export const snapshotHandlers: Readonly<Record<string, RpcHandler>> = {
  CreateSnapshot: rpc((request: CreateSnapshotRequest, context: CallContext) => {
    validateName('snapshot name', request.name);
    const protection = Number(request.compaction_protection_seconds);
    if (protection < 0) {
      throw invalidParameter('compaction_protection_seconds must be non-negative');
    }
    if (protection > MAX_COMPACTION_PROTECTION_SECONDS) {
      throw invalidParameter(
        `compaction_protection_seconds must not exceed ${MAX_COMPACTION_PROTECTION_SECONDS}`,
      );
    }
    const { state } = context;
    const collection = state.collection(context.databaseName(request.db_name), request.collection_name);
    const name = request.name;
    if (state.snapshots.find(collection.id, name) !== undefined) {
      throw snapshotAlreadyExists(name);
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
    const databaseName = context.databaseName(request.db_name);
    context.state.database(databaseName);
    if (request.collection_name === '') {
      throw missingParameter('collection_name is required for ListSnapshots');
    }
    const collection = context.state.collection(databaseName, request.collection_name);
    const names = unordered(
      context.state.snapshots.list(collection.id).map((s) => s.name),
      (name) => name,
    );
    return { status: successStatus(), snapshots: names };
  }),

  DescribeSnapshot: rpc((request: SnapshotRequest, context: CallContext) => {
    const { collection, snapshot } = lookUp(request, context, 'describe snapshot');
    if (snapshot === undefined) {
      throw snapshotNotFound(collection.id, request.name);
    }
    return {
      status: successStatus(),
      name: snapshot.name,
      description: snapshot.description,
      // Looked up from the collection ID, so a renamed collection shows its new name.
      collection_name: collection.name,
      partition_names: [...snapshot.content.partitions],
      create_ts: snapshot.createTs.toString(),
      s3_location: snapshot.s3Location,
    };
  }),

  DropSnapshot: rpc((request: SnapshotRequest, context: CallContext) => {
    const { snapshot } = lookUp(request, context, 'drop snapshot');
    if (snapshot === undefined) {
      // Dropping a snapshot that does not exist succeeds: the server is idempotent here.
      return successStatus();
    }
    const activePins = context.state.snapshots.activePins(context.now, snapshot.id).length;
    if (activePins > 0) {
      throw snapshotPinned(activePins, snapshot.name);
    }
    context.state.snapshots.remove(snapshot);
    return successStatus();
  }),

  PinSnapshotData: rpc((request: PinSnapshotDataRequest, context: CallContext) => {
    validateName('snapshot name', request.name);
    requireCollectionName(request.collection_name, 'pin snapshot data');
    // The proxy checks the TTL before it looks anything up: an unknown snapshot with a bad TTL
    // answers 1100, not 2600.
    const ttlSeconds = Number(request.ttl_seconds);
    if (ttlSeconds < 0) {
      throw invalidParameter('ttl_seconds must be non-negative');
    }
    if (ttlSeconds > MAX_PIN_TTL_SECONDS) {
      throw invalidParameter(`ttl_seconds exceeds maximum of ${MAX_PIN_TTL_SECONDS} (30 days)`);
    }
    const collection = context.state.collection(
      context.databaseName(request.db_name),
      request.collection_name,
    );
    const snapshot = context.state.snapshots.find(collection.id, request.name);
    if (snapshot === undefined) {
      throw snapshotNotFound(collection.id, request.name);
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
      throw missingParameter('pin_id is required for unpin snapshot data');
    }
    // Unknown and expired pins unpin successfully: the server is idempotent here.
    context.state.snapshots.unpin(request.pin_id, context.now);
    return successStatus();
  }),
};

function requireCollectionName(name: string, call: string): void {
  if (name === '') {
    throw missingParameter(`collection_name is required for ${call}`);
  }
}

function lookUp(
  request: SnapshotRequest,
  context: CallContext,
  call: string,
): { collection: Collection; snapshot?: Snapshot } {
  validateName('snapshot name', request.name);
  requireCollectionName(request.collection_name, call);
  const collection = context.state.collection(context.databaseName(request.db_name), request.collection_name);
  const snapshot = context.state.snapshots.find(collection.id, request.name);
  return snapshot === undefined ? { collection } : { collection, snapshot };
}
