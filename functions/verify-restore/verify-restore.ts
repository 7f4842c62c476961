import * as z from 'zod';
import { drillSourceSchema } from '../choose-snapshot/choose-snapshot';
import { nextWaitSeconds } from '../poll-restore/poll-backoff';
import { pollResultSchema } from '../poll-restore/poll-restore';
import { collectionStepBaseSchema } from '../shared/contracts/run-context';
import { drillCheckSchema } from '../shared/contracts/run-report';
import { InvalidInputError } from '../shared/errors';
import type { CollectionRef, CollectionSummary, MilvusGateway } from '../shared/milvus/milvus-gateway';
import { schemaFingerprint } from '../shared/schema-fingerprint';
import { isOwnTarget, runTargetName } from '../start-restore/drill-target';
import { restoreStartSchema } from '../start-restore/start-restore';
import {
  CHECK,
  countStarCheck,
  type DrillCheck,
  indexCheck,
  notRun,
  rowCountCheck,
  type SelfSearchResult,
  sampledKeysCheck,
  schemaCheck,
  segmentsCheck,
  segmentText,
  selfSearchCheck,
} from './verification-checks';

/** What verification found (`$.verification`); fed back in while a deep check waits for the load. */
export const verificationResultSchema = z
  .object({
    checks: z.array(drillCheckSchema),
    /** Every check passed (always false while `deepPending`). */
    verified: z.boolean(),
    /** Rows in the restored collection's flushed segments (comparable with the recorded count). */
    restoredRows: z.number().int().nonnegative().nullable(),
    /** The deep check is waiting for the collection to load; call again after `waitSeconds`. */
    deepPending: z.boolean(),
    waitSeconds: z.number().int().positive().optional(),
    /** Load-state checks made so far (drives the wait's backoff). */
    loadPolls: z.number().int().nonnegative().optional(),
    /** When verification ended (ISO 8601); absent while `deepPending`. */
    finishedAt: z.iso.datetime().optional(),
  })
  .strict();

/** What verification found. */
export type VerificationResult = z.infer<typeof verificationResultSchema>;

/** VerifyRestore's input: a completed restore, and the previous verification while a load is pending. */
export const verifyRestoreInputSchema = collectionStepBaseSchema.extend({
  drillSource: drillSourceSchema,
  restore: restoreStartSchema,
  poll: pollResultSchema.extend({ decision: z.literal('completed') }),
  verification: verificationResultSchema.optional(),
});

/** VerifyRestore's input. */
export type VerifyRestoreInput = z.infer<typeof verifyRestoreInputSchema>;

/** What VerifyRestore needs. */
export interface VerifyRestoreDependencies {
  readonly milvus: MilvusGateway;
  readonly now: () => Date;
}

const LOADED = 'LoadStateLoaded';
const NOT_LOADED = new Set(['LoadStateNotLoad', 'LoadStateNotExist']);
/** Only dense float vectors are searched: the gateway hands other vector types back in other shapes. */
const SEARCHABLE_VECTOR = 'FloatVector';

/**
 * Checks the restored collection against what the snapshot's marker recorded:
 * `exists`, `schemaFingerprint`, `indexes` (against the source collection's), `rowCount` (flushed
 * rows, within `drill.rowTolerancePercent`). With `drill.verification: deep` it then starts loading
 * the collection and, once loaded (this same step called again with `verification.deepPending`
 * after the state machine waited `waitSeconds`), adds `loaded`, `countStar` and `selfSearch`, and
 * releases it. A load not finished by the drill deadline fails `loaded`.
 */
export async function verifyRestore(
  input: VerifyRestoreInput,
  { milvus, now }: VerifyRestoreDependencies,
): Promise<VerificationResult> {
  const { run, target, restore } = input;
  if (!isOwnTarget(run, target.collection, restore.targetCollection)) {
    throw new InvalidInputError(
      `invalid VerifyRestore input: restore.targetCollection: is not this drill's collection ` +
        `(${runTargetName(run, target.collection)}), got "${restore.targetCollection}"`,
    );
  }
  const restored: CollectionRef = { database: target.database, collection: restore.targetCollection };
  if (input.verification?.deepPending)
    return continueDeepCheck(input, input.verification, restored, milvus, now);

  const standard = await standardChecks(input, restored, milvus);
  if (run.drill.verification !== 'deep' || !standard.summary) {
    return finish(standard.checks, standard.flushedRows, now);
  }
  await milvus.startLoad(restored);
  const pending: VerificationResult = {
    checks: standard.checks,
    verified: false,
    restoredRows: standard.flushedRows,
    deepPending: true,
    loadPolls: 0,
  };
  // A small collection is often loaded by now: finish without a round trip through a Wait state.
  return continueDeepCheck(input, pending, restored, milvus, now);
}

interface StandardOutcome {
  readonly checks: DrillCheck[];
  readonly flushedRows: number | null;
  /** The restored collection's description, when it exists. */
  readonly summary?: CollectionSummary;
}

async function standardChecks(
  input: VerifyRestoreInput,
  restored: CollectionRef,
  milvus: VerifyRestoreDependencies['milvus'],
): Promise<StandardOutcome> {
  const { drillSource, target, run, restore } = input;
  const { contents } = drillSource;
  const tolerance = run.drill.rowTolerancePercent;
  const exists = await milvus.hasCollection(restored);
  const summary = exists ? await milvus.describeCollection(restored) : undefined;
  if (!summary || summary.id !== restore.collectionId) {
    const why = summary
      ? `a collection named ${restored.collection} exists, but it is not the one this drill restored into`
      : 'the restored collection does not exist';
    return {
      flushedRows: null,
      checks: [
        {
          name: CHECK.exists,
          ok: false,
          expected: `${restored.collection} (id ${restore.collectionId})`,
          actual: summary ? `id ${summary.id}` : null,
        },
        notRun(CHECK.schema, contents.schema, why),
        notRun(CHECK.indexes, null, why),
        notRun(CHECK.rowCount, contents.rows, why),
        ...(contents.segments ? [notRun(CHECK.segments, segmentText(contents.segments), why)] : []),
      ],
    };
  }
  const [sourceIndexes, restoredIndexes, flushedRows, segments] = await Promise.all([
    milvus.describeIndexes({ database: target.database, collection: target.collection }),
    milvus.describeIndexes(restored),
    milvus.flushedRowCount(restored),
    contents.segments ? milvus.flushedSegments(restored) : Promise.resolve(undefined),
  ]);
  const checks: DrillCheck[] = [
    { name: CHECK.exists, ok: true, expected: restored.collection, actual: restored.collection },
    schemaCheck(contents.schema, schemaFingerprint(summary.schema)),
    indexCheck(sourceIndexes, restoredIndexes),
    rowCountCheck(CHECK.rowCount, contents.rows, flushedRows, tolerance),
  ];
  if (contents.segments) checks.push(segmentsCheck(contents.segments, segments ?? null, tolerance));
  return { flushedRows, summary, checks };
}

async function continueDeepCheck(
  input: VerifyRestoreInput,
  previous: VerificationResult,
  restored: CollectionRef,
  milvus: MilvusGateway,
  now: () => Date,
): Promise<VerificationResult> {
  const { run, drillSource, restore } = input;
  const timeoutMs = run.drill.timeoutMinutes * 60_000;
  const elapsedMs = now().getTime() - Date.parse(restore.startedAt);
  const state = await milvus.loadState(restored);
  if (state !== LOADED) {
    if (elapsedMs < timeoutMs) {
      // A load that was refused or forgotten is asked for again; asking twice is harmless.
      if (NOT_LOADED.has(state)) await milvus.startLoad(restored);
      const loadPolls = (previous.loadPolls ?? 0) + 1;
      return {
        ...previous,
        deepPending: true,
        loadPolls,
        waitSeconds: nextWaitSeconds({
          backoff: run.drill.backoff,
          attempt: loadPolls - 1,
          elapsedMs,
          timeoutMs,
        }),
      };
    }
    await milvus.release(restored);
    return finish(
      [
        ...previous.checks,
        {
          name: CHECK.loaded,
          ok: false,
          expected: LOADED,
          actual: `${state} at the drill deadline (${run.drill.timeoutMinutes} min after the restore started)`,
        },
      ],
      previous.restoredRows,
      now,
    );
  }

  const summary = await milvus.describeCollection(restored);
  const count = await milvus.countRows(restored);
  const { contents } = drillSource;
  const checks: DrillCheck[] = [
    ...previous.checks,
    { name: CHECK.loaded, ok: true, expected: LOADED, actual: LOADED },
    countStarCheck(contents, count, run.drill.rowTolerancePercent),
  ];
  if (contents.sampleKeys.length > 0) {
    const found = await milvus.findKeys(
      restored,
      summary.primaryField,
      contents.sampleKeys,
      contents.primaryIsString,
    );
    checks.push(sampledKeysCheck(contents.sampleKeys, found));
  }
  const vector = summary.vectorFields.find((f) => f.dataType === SEARCHABLE_VECTOR);
  if (!vector) {
    checks.push({
      name: CHECK.selfSearch,
      ok: true,
      expected: `a ${SEARCHABLE_VECTOR} field to search`,
      actual: `skipped: vector fields are ${summary.vectorFields.map((f) => `${f.name} (${f.dataType})`).join(', ') || 'none'}`,
    });
  } else {
    const expectedSamples = Math.min(run.drill.sampleSize, count);
    const samples = await milvus.sampleRows(
      restored,
      summary.primaryField,
      vector.name,
      run.drill.sampleSize,
    );
    const results: SelfSearchResult[] = [];
    for (const sample of samples) {
      results.push({ id: sample.id, hits: await milvus.search(restored, vector.name, sample.vector, 3) });
    }
    checks.push(selfSearchCheck(results, expectedSamples));
  }
  await milvus.release(restored);
  return finish(checks, previous.restoredRows, now);
}

function finish(checks: DrillCheck[], restoredRows: number | null, now: () => Date): VerificationResult {
  return {
    checks,
    verified: checks.length > 0 && checks.every((c) => c.ok),
    restoredRows,
    deepPending: false,
    finishedAt: now().toISOString(),
  };
}
