/**
 * Stands in for `@shanghaikid/parquetjs` in the Lambda bundles (the alias is in
 * lib/workflow-function.ts). The Milvus SDK requires it at load for BulkWriter's Parquet output,
 * which the workflow never uses, and the real package loads the AWS SDK S3 client as it is
 * required: leaving it out makes every Milvus function 0.4 MB smaller and about 70 ms faster to
 * start. Anything that does try to write Parquet from a bundle fails with this error.
 */
function parquetNotBundled(): never {
  throw new Error(
    'Parquet output (@shanghaikid/parquetjs) is left out of the workflow functions: the workflow never writes Parquet',
  );
}

/** `new ParquetSchema(...)` throws: see {@link parquetNotBundled}. */
export const ParquetSchema = parquetNotBundled;

/** `ParquetWriter.openFile(...)` throws: see {@link parquetNotBundled}. */
export const ParquetWriter = { openFile: parquetNotBundled };
