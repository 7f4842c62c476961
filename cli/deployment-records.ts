import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import {
  CollectionNotFoundError,
  MilvusAuthenticationError,
  MilvusUnavailableError,
  SnapshotNotFoundError,
  WorkflowError,
} from '../functions/shared/errors';
import type { MilvusGateway, SnapshotDescription } from '../functions/shared/milvus/milvus-gateway';
import { FileReportStore, type ReportStore, S3ReportStore } from '../functions/shared/reports/report-store';
import { awsCall } from './aws/aws-errors';
import type { AwsSession } from './aws/aws-session';
import { CliError, EXIT_CODES } from './cli-error';
import type { CliIo } from './cli-io';

/**
 * What the commands that read a deployment's records share: where the records are (`--reports`:
 * a directory, `s3://bucket`, or the local runner's `.local-runs`), and how Milvus is read.
 */

/** `--reports` as commands take it. */
export interface RecordsOptions {
  readonly reports?: string;
}

/** Describe calls in flight at once, as EnforceRetention does: hides latency, gentle on Milvus. */
const DESCRIBE_CONCURRENCY = 8;

/** The report store of `--reports` (a directory or `s3://bucket`), else `.local-runs` when it exists. */
export function reportStoreOf(options: RecordsOptions, io: CliIo, aws: AwsSession): ReportStore | undefined {
  const given = options.reports ?? (existsSync(resolve(io.cwd, '.local-runs')) ? '.local-runs' : undefined);
  if (given === undefined) return undefined;
  const bucket = /^s3:\/\/([^/]+)\/?$/.exec(given)?.[1];
  if (bucket === undefined) return new FileReportStore(resolve(io.cwd, given));
  return new S3ReportStore(aws.s3, bucket);
}

/** Reads from the store, turning an AWS failure into a message that says what to fix. */
export async function readStore<T>(options: RecordsOptions, read: () => Promise<T>): Promise<T> {
  const bucket = /^s3:\/\/([^/]+)\/?$/.exec(options.reports ?? '')?.[1];
  if (bucket === undefined) return read();
  return awsCall({ action: 's3:GetObject', target: `s3://${bucket}/ledger/` }, read);
}

/** Writes to the store, turning an AWS failure into a message that says what to fix. */
export async function writeStore<T>(options: RecordsOptions, write: () => Promise<T>): Promise<T> {
  const bucket = /^s3:\/\/([^/]+)\/?$/.exec(options.reports ?? '')?.[1];
  if (bucket === undefined) return write();
  return awsCall({ action: 's3:PutObject', target: `s3://${bucket}/ledger/` }, write);
}

/** Describes every snapshot, a few at a time; one dropped meanwhile (a concurrent run) is left out. */
export async function describeAll(
  milvus: MilvusGateway,
  ref: { database: string; collection: string },
  names: readonly string[],
): Promise<SnapshotDescription[]> {
  const out: SnapshotDescription[] = [];
  for (let i = 0; i < names.length; i += DESCRIBE_CONCURRENCY) {
    const batch = names.slice(i, i + DESCRIBE_CONCURRENCY);
    const described = await Promise.all(
      batch.map((name) =>
        milvus.describeSnapshot(ref, name).catch((error: unknown) => {
          if (error instanceof SnapshotNotFoundError) return undefined;
          throw error;
        }),
      ),
    );
    for (const d of described) if (d) out.push(d);
  }
  return out;
}

export function milvusCliError(error: unknown, address: string, scrub: (text: string) => string): CliError {
  const message = scrub(error instanceof Error ? error.message : String(error));
  if (error instanceof MilvusAuthenticationError) {
    return new CliError(
      `Milvus at ${address} refused the credentials: ${message}. Check --milvus-token or MILVUS_TOKEN`,
    );
  }
  if (error instanceof CollectionNotFoundError) return new CliError(message);
  if (error instanceof MilvusUnavailableError) {
    return new CliError(`cannot reach Milvus at ${address}: ${message}`, EXIT_CODES.internal);
  }
  if (error instanceof WorkflowError) return new CliError(`Milvus: ${message}`, EXIT_CODES.internal);
  return new CliError(`unexpected failure talking to Milvus at ${address}: ${message}`, EXIT_CODES.internal);
}

const EXPLICIT_OFFSET = /T.*(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** `--at`: an ISO 8601 date-time with its offset, so it means the same instant on every machine. */
export function parseInstant(value: string): Date {
  const date = new Date(value);
  if (!EXPLICIT_OFFSET.test(value) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError(
      'expected an ISO 8601 date-time with a UTC offset, e.g. 2026-11-21T03:00:00Z.',
    );
  }
  return date;
}
