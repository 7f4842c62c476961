/**
 * The ownership marker this tool writes into a snapshot's description.
 *
 * Milvus stores a free-text description with each snapshot and nothing else we can tag, so the
 * description carries both a sentence for a person and a bracketed, machine-readable tag:
 *
 *     Scheduled snapshot of default.products (schedule daily, slot 2026-11-21T03:00:00Z): 2000 rows.
 *     [milvus-snapshot-scheduler v1 schedule=daily rows=2000 schema=4f2a9c1d7e3b5a60]
 *
 * Only snapshots whose description ends with that tag are ever considered for retention or
 * restore drills; everything else is "not managed" and never dropped.
 */

/** The tool name written into every marker. */
export const MARKER_TOOL = 'milvus-snapshot-scheduler';
const MARKER_VERSION = 'v1';
const TAG = new RegExp(`\\[${MARKER_TOOL} ${MARKER_VERSION}((?: [a-z]+=[^\\s\\]]+)*)\\]\\s*$`);
const TOKEN = /^[A-Za-z0-9_$.:-]+$/;

/** What a marker records about the snapshot. */
export interface SnapshotMarker {
  /** The schedule (or `manual`) that created the snapshot. */
  readonly schedule: string;
  /** Rows in the collection's flushed segments when the snapshot was taken. */
  readonly rows: number;
  /** Fingerprint of the collection's schema (see schema-fingerprint.ts). */
  readonly schema: string;
}

/** Context for the human-readable sentence. */
export interface MarkerContext {
  readonly database: string;
  readonly collection: string;
  /** The schedule slot the snapshot belongs to. */
  readonly slot: Date;
}

/** The full description to store with a snapshot this tool creates. */
export function formatSnapshotDescription(marker: SnapshotMarker, context: MarkerContext): string {
  for (const [field, value] of [
    ['schedule', marker.schedule],
    ['schema', marker.schema],
  ] as const) {
    if (!TOKEN.test(value)) throw new RangeError(`marker ${field} must be a single word, got '${value}'`);
  }
  if (!Number.isSafeInteger(marker.rows) || marker.rows < 0) {
    throw new RangeError(`marker rows must be a non-negative integer, got ${marker.rows}`);
  }
  const slot = context.slot.toISOString().replace('.000Z', 'Z');
  const sentence =
    `Scheduled snapshot of ${context.database}.${context.collection} ` +
    `(schedule ${marker.schedule}, slot ${slot}): ${marker.rows} rows.`;
  return `${sentence} [${MARKER_TOOL} ${MARKER_VERSION} schedule=${marker.schedule} rows=${marker.rows} schema=${marker.schema}]`;
}

/** The marker in a snapshot description, or `undefined` when the snapshot is not ours. */
export function parseSnapshotMarker(description: string | undefined): SnapshotMarker | undefined {
  if (!description) return undefined;
  const match = TAG.exec(description);
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const pair of (match[1] ?? '').trim().split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const schedule = fields.get('schedule');
  const schema = fields.get('schema');
  const rows = Number(fields.get('rows'));
  if (!schedule || !schema || !Number.isSafeInteger(rows) || rows < 0) return undefined;
  return { schedule, rows, schema };
}
