import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collectionResultOf,
  errorOf,
  type RecordCollectionResultInput,
  recordCollectionResult,
} from '../../../functions/record-collection-result/record-collection-result';
import { FileReportStore, ReportKeys } from '../../../functions/shared/reports/report-store';
import { backup, drill, lambdaError, products, retention, runContext } from './fixtures';

const input = (
  extra: Partial<RecordCollectionResultInput> = {},
  run = runContext(),
): RecordCollectionResultInput => ({
  run,
  target: products,
  ...extra,
});

describe('collectionResultOf', () => {
  it('reports a backup with its snapshot and retention as SUCCEEDED', () => {
    const result = collectionResultOf(input({ backup, retention }, runContext({ mode: 'backup' })));
    expect(result).toEqual({
      database: 'default',
      collection: 'products',
      status: 'SUCCEEDED',
      backup,
      retention,
    });
  });

  it('reports a full run whose drill verified as SUCCEEDED, with the drill', () => {
    const result = collectionResultOf(input({ backup, retention, drill: drill() }));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.drill?.verified).toBe(true);
  });

  it("turns a caught Lambda error into the collection's error, message taken from the JSON cause", () => {
    const result = collectionResultOf(
      input(
        { error: lambdaError('CollectionNotFoundError', 'default.products does not exist') },
        runContext({ mode: 'backup' }),
      ),
    );
    expect(result).toEqual({
      database: 'default',
      collection: 'products',
      status: 'FAILED',
      error: { name: 'CollectionNotFoundError', message: 'default.products does not exist' },
    });
  });

  it('fails a flush that timed out, saying how long it waited', () => {
    const result = collectionResultOf(
      input(
        { flushState: { flushed: false, timedOut: true, waitedSeconds: 601 } },
        runContext({ mode: 'backup' }),
      ),
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toEqual({
      name: 'FlushTimeoutError',
      message: 'the flush did not complete within 600 seconds (flush.timeoutSeconds); no snapshot was taken',
    });
  });

  it('fails a drill that completed but did not verify, with its failed checks', () => {
    const result = collectionResultOf(
      input({
        backup,
        retention,
        drill: drill({
          verified: false,
          reason: 'verification failed: rowCount expected 2000, got 1990',
          checks: [{ name: 'rowCount', ok: false, expected: 2000, actual: 1990 }],
        }),
      }),
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toEqual({
      name: 'DrillVerificationFailed',
      message:
        'the restore of nightly_20261121_030000 completed but did not verify: verification failed: rowCount expected 2000, got 1990',
    });
  });

  it('fails a drill that timed out', () => {
    const result = collectionResultOf(
      input({
        backup,
        retention,
        drill: drill({ state: 'TimedOut', verified: false, reason: 'still executing after 1 h' }),
      }),
    );
    expect(result.error).toEqual({
      name: 'DrillTimedOut',
      message: 'the drill of nightly_20261121_030000 timed out: still executing after 1 h',
    });
  });

  it("names a failed drill after the error that stopped it, once (RecordDrill folded it into the drill's reason)", () => {
    const noSnapshot = lambdaError(
      'NoSnapshotToDrillError',
      'default.products has no snapshot made by milvus-snapshot-scheduler',
    );
    const result = collectionResultOf(
      input(
        {
          drillError: noSnapshot,
          drill: drill({
            snapshotName: '',
            state: 'Failed',
            verified: false,
            reason:
              'NoSnapshotToDrillError: default.products has no snapshot made by milvus-snapshot-scheduler',
          }),
        },
        runContext({ mode: 'drill' }),
      ),
    );
    expect(result.error?.name).toBe('NoSnapshotToDrillError');
    expect(result.error?.message).toBe('default.products has no snapshot made by milvus-snapshot-scheduler');
  });

  it('fails a verified drill that left its collection behind', () => {
    const result = collectionResultOf(
      input({
        backup,
        retention,
        drill: drill({ cleanedUp: false, reason: 'cleanup left something behind: drop failed' }),
        cleanupError: lambdaError('MilvusUnavailableError', 'Milvus did not answer'),
      }),
    );
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('MilvusUnavailableError');
    expect(result.error?.message).toContain(
      'the drill verified, but the drill collection may be left behind',
    );
  });

  it('fails a drill whose result could not be recorded, and a drill that never reported', () => {
    const unrecorded = collectionResultOf(
      input({ backup, retention, recordDrillError: { Error: 'States.Timeout' } }),
    );
    expect(unrecorded.error).toEqual({ name: 'States.Timeout', message: 'States.Timeout' });
    const silent = collectionResultOf(input({}, runContext({ mode: 'drill' })));
    expect(silent.error).toEqual({
      name: 'DrillMissing',
      message: 'the drill ended without recording a result',
    });
  });

  it('reports an original a swap set aside as pruned in a full run, expecting no drill of it', () => {
    // Prepare: the retention-only item a full run adds beside products
    const aside = {
      ...products,
      collection: 'products_replaced_20261121_030015',
      selection: { by: 'set-aside' as const, original: 'products', swapRun: 'restore-run' },
    };

    // Act
    const result = collectionResultOf({ run: runContext({ mode: 'full' }), target: aside, retention });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', retention });
    expect(result.error).toBeUndefined();
  });

  it('keeps every problem: the first is the error, the others are appended', () => {
    const result = collectionResultOf(
      input({
        error: lambdaError(
          'SnapshotNameTakenError',
          'a snapshot named nightly_20261121_030000 already exists',
        ),
        recordDrillError: { Error: 'Lambda.Unknown', Cause: 'out of memory' },
      }),
    );
    expect(result.error).toEqual({
      name: 'SnapshotNameTakenError',
      message: 'a snapshot named nightly_20261121_030000 already exists; also Lambda.Unknown: out of memory',
    });
  });

  it('reports a dry run that planned retention as SUCCEEDED, and a collection nothing happened to as SKIPPED', () => {
    const dryRun = runContext({ dryRun: true });
    expect(collectionResultOf(input({ retention: { ...retention, dryRun: true } }, dryRun)).status).toBe(
      'SUCCEEDED',
    );
    expect(collectionResultOf(input({}, runContext({ mode: 'backup' }))).status).toBe('SKIPPED');
  });

  it('fails, rather than loses, a step result the report cannot hold', () => {
    const result = collectionResultOf(
      input({ backup: { snapshotName: 'x', rowCount: -1 }, retention }, runContext({ mode: 'backup' })),
    );
    expect(result.status).toBe('FAILED');
    expect(result.error?.name).toBe('InvalidStepOutput');
    expect(result.error?.message).toContain(
      'CreateSnapshot returned a result the report cannot hold: alreadyExisted',
    );
    expect(result.backup).toBeUndefined();
    expect(result.retention).toEqual(retention);
  });
});

describe('errorOf', () => {
  it.each([
    [lambdaError('MilvusAuthenticationError', 'Milvus refused the token'), 'Milvus refused the token'],
    [
      { Error: 'States.Timeout', Cause: 'Task timed out after 150 seconds' },
      'Task timed out after 150 seconds',
    ],
    [{ Error: 'Sandbox.Timedout', Cause: '{not json' }, '{not json'],
    [{ Error: 'States.TaskFailed', Cause: '' }, 'States.TaskFailed'],
    [{ Error: 'Lambda.Unknown', Cause: '{"errorMessage": 42}' }, '{"errorMessage": 42}'],
  ])('%j → %s', (caught, message) => {
    expect(errorOf(caught)).toEqual({ name: caught.Error, message });
  });

  it('keeps a long cause readable', () => {
    expect(errorOf({ Error: 'X', Cause: 'y'.repeat(5000) }).message).toHaveLength(2000);
  });
});

describe('recordCollectionResult', () => {
  it("stores the collection's result where BuildReport reads it and returns only its status", async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'record-result-'));
    const run = runContext({ name: 'run-42' });

    // Act
    const recorded = await recordCollectionResult(input({ backup, retention, drill: drill() }, run), {
      store: new FileReportStore(dir),
    });

    // Assess
    expect(recorded).toEqual({ database: 'default', collection: 'products', status: 'SUCCEEDED' });
    const stored = JSON.parse(
      readFileSync(join(dir, ReportKeys.collectionResult('run-42', 'default', 'products')), 'utf8'),
    );
    expect(stored).toMatchObject({ status: 'SUCCEEDED', backup, retention, drill: { verified: true } });
  });
});
