import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { z } from 'zod';
import { DEFAULT_DATABASE } from './database';
import { CollectionSeedError, EmulatorOptionsError } from './errors';
import { fnv1a } from './fnv1a';
import { SeededRandom } from './seeded-random';

/** Rows a seeded collection gets when its spec does not say. */
export const DEFAULT_SEED_ROWS = 100;
/** Dimension of a seeded collection's vector when its spec does not say. */
export const DEFAULT_SEED_DIM = 8;

/**
 * One collection to seed. It gets a generic schema: an Int64 primary key `id`, a VarChar
 * `title` and a FloatVector `vector` of `dim` dimensions.
 */
export const seedCollectionSpecSchema = z.strictObject({
  /** @default 'default' */
  database: z.string().min(1).optional(),
  name: z.string().min(1),
  /** @default 100 */
  rows: z.number().int().nonnegative().optional(),
  /** @default 8 */
  dim: z.number().int().min(2).max(32_768).optional(),
});

/** One collection to seed (see {@link seedCollectionSpecSchema}). */
export type SeedCollectionSpec = z.infer<typeof seedCollectionSpecSchema>;

/** What seeding did for one collection. */
export interface SeededCollection {
  readonly database: string;
  readonly name: string;
  /** False when the collection already existed and was left alone. */
  readonly created: boolean;
  /** Rows inserted (0 when it already existed). */
  readonly rows: number;
  /** Of those, rows left unflushed (in growing segments). */
  readonly growingRows: number;
}

const INSERT_BATCH = 1_000;
// A new sealed segment every 1,000 rows, so a restore of a seeded collection has several
// segments to copy and a lossy restore has whole segments to lose.
const FLUSH_EVERY = 1_000;
const MAX_GROWING_ROWS = 5;
// Collections are seeded side by side: each takes a handful of round trips, so a configuration
// with thousands of them would otherwise spend minutes waiting on the network.
const CONCURRENT_SEEDS = 16;

/**
 * Validates seed specs.
 *
 * @throws EmulatorOptionsError naming the spec and the bad field.
 */
export function parseSeedCollectionSpecs(input: unknown): SeedCollectionSpec[] {
  const parsed = z.array(seedCollectionSpecSchema).safeParse(input);
  if (parsed.success) {
    return parsed.data;
  }
  const [issue] = parsed.error.issues;
  const where = issue?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') ?? '';
  throw new EmulatorOptionsError(
    `invalid collection to seed: seedCollections${where}: ${issue?.message ?? 'invalid'}`,
  );
}

/**
 * Creates collections through a connected client (the emulator's or a real Milvus), so any
 * configuration's collections can be tried locally: database when missing, the generic schema,
 * deterministic rows (ids 1..rows, the same on every machine), sealed except for a few growing
 * rows at the end, an AUTOINDEX (COSINE) on the vector, loaded. Collections that already exist
 * are left alone.
 *
 * @throws EmulatorOptionsError for an invalid spec; CollectionSeedError when Milvus answers a
 *   call with an error status.
 */
export async function seedCollections(
  client: MilvusClient,
  specs: readonly SeedCollectionSpec[],
): Promise<SeededCollection[]> {
  const valid = parseSeedCollectionSpecs(specs);
  const listed = await client.listDatabases();
  check(listed.status, 'listDatabases');
  const existing = new Set(listed.db_names);
  for (const database of new Set(valid.map((spec) => spec.database ?? DEFAULT_DATABASE))) {
    if (!existing.has(database)) {
      check(await client.createDatabase({ db_name: database }), `createDatabase ${database}`);
    }
  }
  const seeded: SeededCollection[] = [];
  for (let i = 0; i < valid.length; i += CONCURRENT_SEEDS) {
    seeded.push(
      ...(await Promise.all(valid.slice(i, i + CONCURRENT_SEEDS).map((spec) => seedOne(client, spec)))),
    );
  }
  return seeded;
}

async function seedOne(client: MilvusClient, spec: SeedCollectionSpec): Promise<SeededCollection> {
  const database = spec.database ?? DEFAULT_DATABASE;
  const rows = spec.rows ?? DEFAULT_SEED_ROWS;
  const dim = spec.dim ?? DEFAULT_SEED_DIM;
  const target = { collection_name: spec.name, db_name: database };
  const where = `${database}.${spec.name}`;
  const exists = await client.hasCollection(target);
  check(exists.status, `hasCollection ${where}`);
  if (exists.value) {
    return { database, name: spec.name, created: false, rows: 0, growingRows: 0 };
  }
  await client
    .createCollection({
      ...target,
      description: `Seeded: ${rows} rows, ${dim}-d vectors`,
      fields: [
        { name: 'id', data_type: 'Int64', is_primary_key: true, autoID: false },
        { name: 'title', data_type: 'VarChar', max_length: 256 },
        { name: 'vector', data_type: 'FloatVector', dim },
      ],
    })
    .then((status) => check(status, `createCollection ${where}`))
    .catch((error: unknown) => {
      throw error instanceof CollectionSeedError ? error : seedError(error, `createCollection ${where}`);
    });

  const growingRows = Math.min(MAX_GROWING_ROWS, Math.floor(rows / 10));
  const flushedRows = rows - growingRows;
  const random = new SeededRandom(fnv1a(where));
  let next = 0;
  while (next < rows) {
    // Batches end at every flush point and at the growing tail, so exactly growingRows stay unflushed.
    const end = Math.min(
      next + INSERT_BATCH,
      next < flushedRows ? Math.min(flushedRows, (Math.floor(next / FLUSH_EVERY) + 1) * FLUSH_EVERY) : rows,
    );
    const data = [];
    for (let id = next + 1; id <= end; id++) {
      data.push({ id, title: `${spec.name} #${id}`, vector: random.vector(dim) });
    }
    const inserted = await client.insert({ ...target, data });
    check(inserted.status, `insert into ${where}`);
    if (end <= flushedRows && (end % FLUSH_EVERY === 0 || end === flushedRows)) {
      const flushed = await client.flush({ collection_names: [spec.name], db_name: database });
      check(flushed.status, `flush ${where}`);
    }
    next = end;
  }
  check(
    await client.createIndex({
      ...target,
      field_name: 'vector',
      index_type: 'AUTOINDEX',
      metric_type: 'COSINE',
    }),
    `createIndex on ${where}`,
  );
  check(await client.loadCollectionAsync(target), `loadCollection ${where}`);
  return { database, name: spec.name, created: true, rows, growingRows };
}

function check(status: { error_code: string | number; reason: string; code?: number }, what: string): void {
  if (status.error_code !== 'Success') {
    throw new CollectionSeedError(`${what} failed: code ${status.code ?? '?'}: ${status.reason}`);
  }
}

function seedError(error: unknown, what: string): CollectionSeedError {
  const e = error as { code?: unknown; reason?: unknown; message?: unknown };
  const reason =
    typeof e.reason === 'string' ? e.reason : typeof e.message === 'string' ? e.message : String(error);
  return new CollectionSeedError(`${what} failed: code ${String(e.code ?? '?')}: ${reason}`);
}
