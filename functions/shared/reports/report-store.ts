import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { ConfigurationError } from '../errors';
import type { StepEnvironment } from '../lambda/step-environment';

/**
 * Where run results live: an S3 bucket when deployed, a directory when run locally. Keys are
 * `/`-separated paths such as `runs/<runId>/collections/default/products.json`.
 */
export interface ReportStore {
  /** Stores a JSON document; returns where it is (`s3://bucket/key` or a file path). */
  putJson(key: string, value: unknown): Promise<string>;
  /** The JSON document at `key`, or `undefined` when there is none. */
  getJson(key: string): Promise<unknown>;
  /** Every key under `prefix`, in lexical order. */
  list(prefix: string): Promise<string[]>;
}

/** Keys of the documents the workflow keeps. */
export const ReportKeys = {
  /** One collection's result in one run. */
  collectionResult: (runId: string, database: string, collection: string) =>
    `runs/${safe(runId)}/collections/${database}/${collection}.json`,
  /** The prefix of all collection results of a run. */
  collectionResults: (runId: string) => `runs/${safe(runId)}/collections/`,
  /** A run's report, filed by the day it started (UTC). */
  runReport: (runId: string, startedAt: Date) =>
    `reports/${startedAt.toISOString().slice(0, 10).replaceAll('-', '/')}/${safe(runId)}.json`,
  /** The newest snapshot of a collection that passed a restore drill. */
  latestVerified: (database: string, collection: string) =>
    `drills/${database}/${collection}/latest-verified.json`,
} as const;

function safe(segment: string): string {
  return segment.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

/** A bucket-backed store. */
export class S3ReportStore implements ReportStore {
  public constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  public async putJson(key: string, value: unknown): Promise<string> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(value, null, 2),
        ContentType: 'application/json',
      }),
    );
    return `s3://${this.bucket}/${key}`;
  }

  public async getJson(key: string): Promise<unknown> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = await res.Body?.transformToString('utf-8');
      return text === undefined ? undefined : JSON.parse(text);
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  public async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.s3 },
      { Bucket: this.bucket, Prefix: prefix },
    )) {
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    }
    return keys.sort();
  }
}

/** A directory-backed store, for local runs. Writes are atomic (write, then rename). */
export class FileReportStore implements ReportStore {
  private readonly root: string;

  public constructor(root: string) {
    this.root = resolve(root);
  }

  public async putJson(key: string, value: unknown): Promise<string> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Unique per write: two writes of one key in the same millisecond must not share a temp file.
    const temp = `${path}.${randomUUID()}.tmp`;
    await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
    await rename(temp, path);
    return path;
  }

  public async getJson(key: string): Promise<unknown> {
    try {
      return JSON.parse(await readFile(this.pathOf(key), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  public async list(prefix: string): Promise<string[]> {
    const base = this.pathOf(prefix.endsWith('/') ? prefix.slice(0, -1) : dirname(prefix));
    let entries: string[];
    try {
      entries = await readdir(base, { recursive: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries
      .map((entry) => relative(this.root, join(base, entry)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix) && key.endsWith('.json'))
      .sort();
  }

  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (path !== this.root && !path.startsWith(this.root + sep)) {
      throw new ConfigurationError(`report key ${key} points outside the report directory ${this.root}`);
    }
    return path;
  }
}

let cached: { key: string; store: ReportStore } | undefined;

/**
 * The store named by the environment: `REPORTS_BUCKET` (deployed) or `REPORTS_DIR` (local).
 * Built once per bucket/directory and reused across warm invocations.
 */
export function reportStoreFromEnvironment(
  env: Pick<StepEnvironment, 'REPORTS_BUCKET' | 'REPORTS_DIR'>,
): ReportStore {
  const bucket = env.REPORTS_BUCKET;
  const dir = env.REPORTS_DIR;
  const key = bucket ? `s3:${bucket}` : dir ? `dir:${dir}` : '';
  if (!key) {
    throw new ConfigurationError(
      'set REPORTS_BUCKET (deployed) or REPORTS_DIR (local runs) to say where results go',
    );
  }
  if (cached?.key !== key) {
    cached = {
      key,
      store: bucket ? new S3ReportStore(new S3Client({}), bucket) : new FileReportStore(dir ?? '.'),
    };
  }
  return cached.store;
}
