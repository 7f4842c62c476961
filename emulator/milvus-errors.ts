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

/**
 * Code 1100: a parameter has a bad value (merr `WrapErrParameterInvalidMsg`).
 *
 * @param fields merr's `[key=value]` fields, which follow the sentinel's words.
 */
export function invalidParameter(detail: string, fields = ''): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.ParameterInvalid, `${detail}: invalid parameter${fields}`);
}

/** Code 1101: a required parameter is empty (merr `WrapErrParameterMissingMsg`). */
export function missingParameter(detail: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.ParameterMissing, `${detail}: missing parameter`);
}

/** Code 1601: an alias would take the name of a collection (CreateAlias, AlterAlias, RenameCollection). */
export function aliasNameConflict(database: string, name: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.AliasCollectionNameConflict,
    `alias and collection name conflict[database=${database}][alias=${name}]`,
  );
}

/** Code 1601: a collection would take the name of an alias (rootcoord createCollectionTask). */
export function collectionNameIsAlias(name: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.AliasCollectionNameConflict,
    `collection name [${name}] conflicts with an existing alias, please choose a unique name`,
  );
}

/** Code 1600: no such alias in the database. */
export function aliasNotFound(database: string, alias: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.AliasNotFound,
    `alias not found[database=${database}][alias=${alias}]`,
  );
}

/** Code 1602: CreateAlias with an alias that already names another collection. */
export function aliasAlreadyExists(database: string, alias: string, collection: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.AliasAlreadyExist,
    `${alias} is alias to another collection: ${collection}: alias already exist[database=${database}][alias=${alias}]`,
  );
}

/** Code 1700: an output field or filter field that the schema does not have. */
export function fieldNotFound(field: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.FieldNotFound, `field not found[field=${field}]`);
}

/**
 * Code 2101: unknown restore job, including one forgotten after the job retention (datacoord
 * `WrapErrImportSysFailedMsg`, hence the import sentinel's words at the end).
 */
export function restoreJobNotFound(jobId: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.RestoreJobNotFound,
    `restore job not found: jobID=${jobId}: importing data failed on server side`,
  );
}

/** Code 2600: no snapshot of that name in the collection (datacoord names the collection by ID). */
export function snapshotNotFound(collectionId: string, snapshot: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.SnapshotNotFound,
    `collection ${collectionId}: snapshot not found[snapshot=${snapshot}]`,
  );
}

/** Code 2601: DropSnapshot while user pins or a running restore's automatic pin hold it. */
export function snapshotPinned(activePins: number, snapshot: string): MilvusStatusError {
  return new MilvusStatusError(
    MilvusCode.SnapshotPinned,
    `${activePins} active pins, unpin before dropping: snapshot is pinned[snapshot=${snapshot}]`,
  );
}

/** Code 1100: CreateSnapshot with a name the collection already uses. */
export function snapshotAlreadyExists(snapshot: string): MilvusStatusError {
  return invalidParameter(`snapshot name ${snapshot} already exists`);
}

/** Code 65535: an error the server does not classify (it reports "duplicate collection" this way). */
export function unexpected(reason: string): MilvusStatusError {
  return new MilvusStatusError(MilvusCode.Unexpected, reason);
}
