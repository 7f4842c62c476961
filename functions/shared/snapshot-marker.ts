/**
 * The ownership marker this tool writes into a snapshot's description.
 *
 * Milvus stores a free-text description with each snapshot and nothing else we can tag, so the
 * description carries a sentence for a person and a bracketed, machine-readable tag:
 *
 *     Scheduled snapshot of default.products (schedule daily, slot 2026-11-21T03:00:00Z) by prod.eu-west-1: 2000 rows.
 *     [milvus-snapshot-scheduler v2 deployment=prod.eu-west-1 schedule=daily rows=2000 schema=4f2a9c1d7e3b5a60 nonce=9c1f…]
 *
 * A marker is a hint, never a proof: anyone can copy a description. What proves that a snapshot
 * is this deployment's is its record in the deployment's ledger (see ledger/snapshot-ledger.ts),
 * written before the snapshot was created, whose random nonce the marker must repeat.
 * Version 1 markers (no deployment, no nonce) come from releases before the ledger; they are read
 * so that an operator can adopt them (the CLI's `adopt`), and are never enough to drop anything.
 */

/** The tool name written into every marker. */
export const MARKER_TOOL = 'milvus-snapshot-scheduler';
const TAG = new RegExp(`\\[${MARKER_TOOL} (v[12])((?: [a-z]+=[^\\s\\]]+)*)\\]\\s*$`);
const TOKEN = /^[A-Za-z0-9_$.:-]+$/;
const NONCE = /^[0-9a-f]{32}$/;

/** What a marker records about the snapshot. */
export interface SnapshotMarker {
  /** 2 for markers with a deployment and a nonce, 1 for markers of releases before the ledger. */
  readonly version: 1 | 2;
  /** The deployment that created the snapshot (version 2). */
  readonly deployment?: string;
  /** The schedule (or `manual`) that created the snapshot. */
  readonly schedule: string;
  /** Rows in the collection's flushed segments when the snapshot was taken. */
  readonly rows: number;
  /** Fingerprint of the collection's schema (see schema-fingerprint.ts). */
  readonly schema: string;
  /** The ledger nonce of the attempt that created it (version 2): 32 hex characters. */
  readonly nonce?: string;
}

/** What a version 2 marker is written from. */
export interface NewSnapshotMarker {
  readonly deployment: string;
  readonly schedule: string;
  readonly rows: number;
  readonly schema: string;
  readonly nonce: string;
}

/** Context for the human-readable sentence. */
export interface MarkerContext {
  readonly database: string;
  readonly collection: string;
  /** The schedule slot the snapshot belongs to. */
  readonly slot: Date;
}

/** The full description to store with a snapshot this tool creates. */
export function formatSnapshotDescription(marker: NewSnapshotMarker, context: MarkerContext): string {
  for (const [field, value] of [
    ['deployment', marker.deployment],
    ['schedule', marker.schedule],
    ['schema', marker.schema],
  ] as const) {
    if (!TOKEN.test(value)) throw new RangeError(`marker ${field} must be a single word, got '${value}'`);
  }
  if (!NONCE.test(marker.nonce))
    throw new RangeError(`marker nonce must be 32 hex characters, got '${marker.nonce}'`);
  if (!Number.isSafeInteger(marker.rows) || marker.rows < 0) {
    throw new RangeError(`marker rows must be a non-negative integer, got ${marker.rows}`);
  }
  const slot = context.slot.toISOString().replace('.000Z', 'Z');
  const sentence =
    `Scheduled snapshot of ${context.database}.${context.collection} ` +
    `(schedule ${marker.schedule}, slot ${slot}) by ${marker.deployment}: ${marker.rows} rows.`;
  return (
    `${sentence} [${MARKER_TOOL} v2 deployment=${marker.deployment} schedule=${marker.schedule} ` +
    `rows=${marker.rows} schema=${marker.schema} nonce=${marker.nonce}]`
  );
}

/** The marker in a snapshot description, or `undefined` when it carries none (or a broken one). */
export function parseSnapshotMarker(description: string | undefined): SnapshotMarker | undefined {
  if (!description) return undefined;
  const match = TAG.exec(description);
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const pair of (match[2] ?? '').trim().split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const schedule = fields.get('schedule');
  const schema = fields.get('schema');
  const rows = Number(fields.get('rows'));
  if (!schedule || !schema || !Number.isSafeInteger(rows) || rows < 0) return undefined;
  if (match[1] === 'v1') return { version: 1, schedule, rows, schema };
  const deployment = fields.get('deployment');
  const nonce = fields.get('nonce');
  if (!deployment || !nonce || !NONCE.test(nonce)) return undefined;
  return { version: 2, deployment, schedule, rows, schema, nonce };
}
