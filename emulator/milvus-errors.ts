import { MilvusStatusError } from './errors';
import { MilvusCode } from './milvus-status';

// The server's reasons follow merr's "<what>[key=value]" and "<detail>: <what>" shapes; keeping
// them lets clients that grep reasons (e.g. for "duplicate collection") behave as in production.

/** Code 100: the collection (or the database's collection of that name) does not exist. */
export function collectionNotFound(database: string, collection: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.CollectionNotFound,
    `collection not found[database=${database}][collection=${collection}]`,
  );
}

/** Code 101: Query/Search on a collection that is not loaded. */
export function collectionNotLoaded(collection: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.CollectionNotLoaded,
    `collection not loaded[collection=${collection}]`,
  );
}

/** Code 200: unknown partition. */
export function partitionNotFound(partition: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.PartitionNotFound, `partition not found[partition=${partition}]`);
}

/** Code 700: DescribeIndex (or GetIndexState) on a collection without a matching index. */
export function indexNotFound(collection: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.IndexNotFound, `index not found[collection=${collection}]`);
}

/** Code 700: LoadCollection while a vector field has no index. */
export function vectorIndexMissing(collection: string, field: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.IndexNotFound,
    `there is no vector index on field: [${field}], please create index firstly: collection=${collection}: index not found`,
  );
}

/** Code 800: the database named by `db_name` or the `dbname` metadata does not exist. */
export function databaseNotFound(database: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.DatabaseNotFound, `database not found[database=${database}]`);
}

/** Code 1100: a parameter has a bad value. */
export function invalidParameter(detail: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.ParameterInvalid, `${detail}: invalid parameter`);
}

/** Code 1101: a required parameter is empty. The snapshot calls say "<field> is required". */
export function missingParameter(field: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.ParameterMissing, `${field} is required`);
}

/** Code 1601: the name is already used by an alias. */
export function aliasNameConflict(database: string, name: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.AliasCollectionNameConflict,
    `alias and collection name conflict[database=${database}][alias=${name}]`,
  );
}

/** Code 1700: an output field or filter field that the schema does not have. */
export function fieldNotFound(field: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.FieldNotFound, `field not found[field=${field}]`);
}

/** Code 2101: unknown restore job, including one forgotten after the job retention. */
export function restoreJobNotFound(jobId: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.RestoreJobNotFound, `restore job not found: jobID=${jobId}`);
}

/** Code 2600: no snapshot of that name in that collection. */
export function snapshotNotFound(collection: string, snapshot: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.SnapshotNotFound,
    `snapshot not found[collection=${collection}][snapshot=${snapshot}]`,
  );
}

/** Code 2601: DropSnapshot while a user pin or a running restore's automatic pin holds it. */
export function snapshotPinned(): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.SnapshotPinned,
    'active pins exist, unpin before dropping: snapshot is pinned',
  );
}

/** Code 65535: an error the server does not classify (it reports "duplicate collection" this way). */
export function unexpected(reason: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.Unexpected, reason);
}
