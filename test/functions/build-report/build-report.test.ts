import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BuildReportInput,
  buildReport,
  MAX_PUBLISHED_BYTES,
  MAX_SUBJECT_LENGTH,
  publishedReport,
  subjectOf,
} from '../../../functions/build-report/build-report';
import { RunMetric, runMetrics } from '../../../functions/build-report/run-metrics';
import type { CollectionResult, RunReport } from '../../../functions/shared/contracts/run-report';
import { DrillLedger } from '../../../functions/shared/ledger/drill-ledger';
import { FileReportStore, ReportKeys } from '../../../functions/shared/reports/report-store';
import { TEST_CLUSTER, TEST_DEPLOYMENT } from '../../support/deployment';
import { backup, drill, products, retention, runContext } from '../record-collection-result/fixtures';

const now = () => new Date('2026-11-21T03:04:12.000Z');
const events = { database: 'analytics', collection: 'user_events', policy: 'default' };
const tickets = { database: 'default', collection: 'support_tickets', policy: 'default' };

const succeeded = (target: { database: string; collection: string }): CollectionResult => ({
  database: target.database,
  collection: target.collection,
  status: 'SUCCEEDED',
  backup,
  retention,
  drill: drill(),
});
const failed = (target: { database: string; collection: string }): CollectionResult => ({
  database: target.database,
  collection: target.collection,
  status: 'FAILED',
  error: {
    name: 'CollectionNotFoundError',
    message: `${target.database}.${target.collection} does not exist`,
  },
});

const ITEMS = [products, tickets, events];

/** A bucket as the run leaves it: the collection list PrepareRun stored, and the stored results. */
async function storeWith(
  runId: string,
  results: CollectionResult[],
  items: readonly unknown[] = ITEMS,
): Promise<FileReportStore> {
  const store = new FileReportStore(mkdtempSync(join(tmpdir(), 'build-report-')));
  await store.putJson(ReportKeys.runItems(runId), items);
  for (const r of results)
    await store.putJson(ReportKeys.collectionResult(runId, r.database, r.collection), r);
  return store;
}

const MAP_RUN = 'arn:aws:states:eu-west-1:123456789012:mapRun:MilvusSnapshotScheduler/Collections:5f0c';
const MANIFEST = 'runs/map-results/5f0c/manifest.json';

/** The Map Run's output and its files, as a ResultWriter leaves them, with these failed children. */
async function writeMapRun(store: FileReportStore, failedChildren: Record<string, unknown>[]) {
  await store.putJson(MANIFEST, {
    DestinationBucket: 'reports-bucket',
    MapRunArn: MAP_RUN,
    ResultFiles: {
      FAILED: failedChildren.length ? [{ Key: 'runs/map-results/5f0c/FAILED_0.json', Size: 1234 }] : [],
      PENDING: [],
      SUCCEEDED: [{ Key: 'runs/map-results/5f0c/SUCCEEDED_0.json', Size: 2345 }],
    },
  });
  if (failedChildren.length) await store.putJson('runs/map-results/5f0c/FAILED_0.json', failedChildren);
  return { MapRunArn: MAP_RUN, ResultWriterDetails: { Bucket: 'reports-bucket', Key: MANIFEST } };
}

const input = (extra: Partial<BuildReportInput> = {}): BuildReportInput => ({
  run: runContext({ name: 'run-1' }),
  collections: { key: ReportKeys.runItems('run-1'), count: ITEMS.length },
  ...extra,
});

describe('buildReport', () => {
  it('assembles the stored results into the report, stores it by day, and fails the run when a collection failed', async () => {
    // Prepare
    const store = await storeWith('run-1', [succeeded(products), failed(tickets), succeeded(events)]);

    // Act
    const { report, location, published } = await buildReport(input(), { store, now });

    // Assess
    expect(report).toMatchObject({
      schemaVersion: 2,
      runId: 'run-1',
      deployment: { id: TEST_DEPLOYMENT.id, cluster: TEST_CLUSTER },
      trigger: 'schedule',
      schedule: 'nightly',
      mode: 'full',
      dryRun: false,
      status: 'FAILED',
      startedAt: '2026-11-21T03:00:02.000Z',
      finishedAt: '2026-11-21T03:04:12.000Z',
      summary: {
        collections: 3,
        succeeded: 2,
        failed: 1,
        skipped: 0,
        snapshotsCreated: 2,
        snapshotsDropped: 2,
        drillsVerified: 2,
        drillsFailed: 1,
      },
    });
    expect(report.collections.map((c) => c.collection)).toEqual([
      'products',
      'support_tickets',
      'user_events',
    ]);
    expect(location.endsWith(join('reports', '2026', '11', '21', 'run-1.json'))).toBe(true);
    // Its drills are over: a later run's sweep may remove what they left.
    expect(
      await new DrillLedger(store, {
        deploymentId: TEST_DEPLOYMENT.id,
        clusterKey: TEST_CLUSTER.key,
      }).runEnded('run-1'),
    ).toBe(true);
    expect(JSON.parse(readFileSync(location, 'utf8'))).toEqual(report);
    expect(published).toMatchObject({
      status: 'FAILED',
      mode: 'full',
      subject: '[FAILED] nightly full: 1 of 3 collections failed',
      event: { ...report, reportLocation: location },
    });
  });

  it('writes a message a person reads first: the outcome, the counts, failures first, then the JSON', async () => {
    const store = await storeWith('run-1', [succeeded(products), failed(tickets), succeeded(events)]);
    const { published } = await buildReport(input(), { store, now });
    const [text, json] = published.message.split('--- report (JSON, schema version 2) ---\n');
    expect(text).toContain('Milvus snapshot run FAILED\n');
    expect(text).toContain('Schedule:    nightly (started by its schedule)');
    expect(text).toContain('Finished:    2026-11-21T03:04:12.000Z (4m 10s)');
    expect(text).toContain('Collections: 3: 2 succeeded, 1 failed, 0 skipped');
    expect(text).toContain('Snapshots:   2 created, 2 dropped');
    const lines = (text ?? '').split('\n');
    const failedLine = lines.findIndex((l) => l.startsWith('FAILED    default.support_tickets'));
    const okLine = lines.findIndex((l) => l.startsWith('SUCCEEDED default.products'));
    expect(failedLine).toBeGreaterThan(0);
    expect(failedLine).toBeLessThan(okLine);
    expect(lines[okLine]).toBe(
      'SUCCEEDED default.products: snapshot nightly_20261121_030000 created (2000 rows); retention kept 1, dropped 1; drill of nightly_20261121_030000 verified, restore 8.2 s, drill 14.9 s',
    );
    expect(text).toContain(`Full report: ${published.event.reportLocation}`);
    expect(JSON.parse(json ?? '')).toEqual(published.event);
  });

  it('says which drill collection a drill kept on purpose: it is still in Milvus', async () => {
    const kept = {
      ...succeeded(products),
      drill: drill({ kept: 'drill.keepDrillCollection is set' }),
    };
    const store = await storeWith('run-1', [kept, succeeded(tickets), succeeded(events)]);
    const { published } = await buildReport(input(), { store, now });
    const line = published.message.split('\n').find((l) => l.startsWith('SUCCEEDED default.products'));
    expect(line).toBe(
      'SUCCEEDED default.products: snapshot nightly_20261121_030000 created (2000 rows); retention kept 1, dropped 1; drill of nightly_20261121_030000 verified, restore 8.2 s, drill 14.9 s, drill collection drill_products_20261121_030000 kept (drill.keepDrillCollection is set)',
    );
  });

  it('succeeds when every collection did, and says so in the subject', async () => {
    const store = await storeWith('run-1', [succeeded(products), succeeded(tickets), succeeded(events)]);
    const { report, published } = await buildReport(input(), { store, now });
    expect(report.status).toBe('SUCCEEDED');
    expect(published.subject).toBe('[OK] nightly full: 3 collections succeeded');
  });

  it('names a collection whose child execution failed outright FAILED with its error, from the Map Run files', async () => {
    // Prepare: tickets' child failed past every Catch (its metadata, not a result, is in FAILED_0.json);
    // events' child left nothing at all.
    const store = await storeWith('run-1', [succeeded(products)]);
    const map = await writeMapRun(store, [
      {
        Cause:
          "The state/task 'EnforceRetention' returned a result with a size exceeding the maximum number of bytes service limit.",
        Error: 'States.DataLimitExceeded',
        ExecutionArn: `${MAP_RUN.replace(':mapRun:', ':execution:').replace(':5f0c', '')}:0c1d`,
        Input: JSON.stringify({ run: { runId: 'run-1' }, target: tickets }),
        InputDetails: { Included: true },
        Name: '0c1d',
        StartDate: '2026-11-21T03:00:05.000Z',
        StateMachineArn:
          'arn:aws:states:eu-west-1:123456789012:stateMachine:MilvusSnapshotScheduler/Collections',
        Status: 'FAILED',
        StopDate: '2026-11-21T03:00:09.000Z',
      },
      // A child whose input names no collection cannot be placed: it changes nothing.
      { Error: 'States.Runtime', Cause: 'unplaceable', Input: '"not an object"', Status: 'FAILED' },
    ]);

    // Act
    const { report } = await buildReport(input({ map }), { store, now });

    // Assess
    expect(report.status).toBe('FAILED');
    expect(report.collections[1]).toEqual({
      database: 'default',
      collection: 'support_tickets',
      status: 'FAILED',
      error: {
        name: 'States.DataLimitExceeded',
        message:
          "its child execution failed, so no result was recorded: The state/task 'EnforceRetention' returned a result with a size exceeding the maximum number of bytes service limit.",
      },
    });
    expect(report.collections[2]?.error).toEqual({
      name: 'ResultMissing',
      message: 'no result was recorded for this collection (its child execution failed or was stopped)',
    });
  });

  it('reads a Lambda error document in a failed child as the person-readable message', async () => {
    const store = await storeWith('run-1', [succeeded(products), succeeded(events)]);
    const map = await writeMapRun(store, [
      {
        Error: 'AccessDenied',
        Cause: '{"errorType":"AccessDenied","errorMessage":"Access Denied"}',
        Input: JSON.stringify({ target: tickets }),
        Status: 'FAILED',
      },
    ]);
    const { report } = await buildReport(input({ map }), { store, now });
    expect(report.collections[1]?.error).toEqual({
      name: 'AccessDenied',
      message: 'its child execution failed, so no result was recorded: Access Denied',
    });
  });

  it('fails, for the state machine to catch, when the collection list or the manifest is missing', async () => {
    const empty = new FileReportStore(mkdtempSync(join(tmpdir(), 'build-report-')));
    await expect(buildReport(input(), { store: empty, now })).rejects.toMatchObject({
      name: 'RunRecordsUnreadableError',
      message: "the run's collection list is missing (runs/run-1/items.json)",
    });
    const store = await storeWith('run-1', []);
    const map = { MapRunArn: MAP_RUN, ResultWriterDetails: { Bucket: 'b', Key: MANIFEST } };
    await expect(buildReport(input({ map }), { store, now })).rejects.toMatchObject({
      name: 'RunRecordsUnreadableError',
    });
  });

  it('still reports every collection when the Map itself failed', async () => {
    const store = await storeWith('run-1', [succeeded(products)]);
    const { report } = await buildReport(
      input({ mapError: { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'too many' } }),
      { store, now },
    );
    expect(report.collections.map((c) => c.status)).toEqual(['SUCCEEDED', 'FAILED', 'FAILED']);
    expect(report.collections[1]?.error?.name).toBe('States.ExceedToleratedFailureThreshold');
  });

  it('counts no drill of a set-aside original as failed, and says what it is', async () => {
    // Prepare: a full run of products, with the original a swap set aside pruned beside it
    const run = runContext({ name: 'run-1' });
    const aside = {
      database: 'default',
      collection: 'products_replaced_20261121_030015',
      policy: 'default',
      selection: { by: 'set-aside', original: 'products', swapRun: 'restore-run' },
    };
    const pruned = {
      database: 'default',
      collection: aside.collection,
      status: 'SUCCEEDED' as const,
      retention,
    };
    const store = await storeWith('run-1', [succeeded(products), pruned], [products, aside]);

    // Act
    const { report, published } = await buildReport(
      { run, collections: { key: ReportKeys.runItems('run-1'), count: 2 } },
      { store, now },
    );

    // Assess
    expect(report.summary).toMatchObject({ drillsVerified: 1, drillsFailed: 0, succeeded: 2 });
    expect(report.status).toBe('SUCCEEDED');
    expect(published.message).toContain(
      'SUCCEEDED default.products_replaced_20261121_030015: the original products set aside by a swap, pruned under its policy; retention kept 1, dropped 1',
    );
  });

  it('counts what a dry run would drop as nothing dropped, and no drills as failed', async () => {
    const run = runContext({ name: 'run-1', dryRun: true });
    const dry = {
      database: 'default',
      collection: 'products',
      status: 'SUCCEEDED' as const,
      retention: { ...retention, dryRun: true },
    };
    const store = await storeWith('run-1', [dry], [products]);
    const { report, published } = await buildReport(
      { run, collections: { key: ReportKeys.runItems('run-1'), count: 1 } },
      { store, now },
    );
    expect(report.summary).toMatchObject({ snapshotsDropped: 0, drillsFailed: 0, succeeded: 1 });
    expect(published.subject).toBe('[OK] nightly full dry run: 1 collection succeeded');
    expect(published.message).toContain('Milvus snapshot run SUCCEEDED (dry run: nothing was changed)');
    expect(published.message).toContain('retention kept 1, would drop 1');
  });
});

describe('coverage in the report', () => {
  const stored = (unprotected: number) => ({
    databases: ['default', 'prod'],
    unprotected: Array.from({ length: unprotected }, (_, i) => ({
      database: 'prod',
      collection: `orders_${i}`,
    })),
    missing: [
      {
        database: 'default',
        collection: 'gone',
        reason: 'configured by name, but Milvus has no such collection',
      },
    ],
    skipped: [
      {
        database: 'prod',
        collection: 'tmp_a',
        why: 'excluded' as const,
        reason: 'excluded by selector 1 (prod.* except tmp_*): it matches "tmp_*"',
      },
    ],
  });

  it('carries what PrepareRun stored, says it in the message, and marks each collection named or matched', async () => {
    // Prepare
    const store = await storeWith(
      'run-1',
      [succeeded(products), succeeded(tickets), succeeded(events)],
      [
        { ...products, selection: { by: 'name' } },
        { ...tickets, selection: { by: 'selector', selector: 0, pattern: 'default.*' } },
        events,
      ],
    );
    await store.putJson(ReportKeys.runCoverage('run-1'), stored(2));

    // Act
    const { report, published } = await buildReport(input(), { store, now });

    // Assess
    expect(report.coverage).toEqual({
      ...stored(2),
      counts: { databases: 2, unprotected: 2, missing: 1, skipped: 1 },
    });
    expect(report.collections.map((c) => c.selection)).toEqual([
      { by: 'name' },
      { by: 'selector', selector: 0, pattern: 'default.*' },
      undefined,
    ]);
    expect(published.message).toContain(
      'Unprotected: 2 collections in prod are not backed up: orders_0, orders_1\n',
    );
    expect(published.message).toContain('Missing:     1 configured but not in Milvus: default.gone\n');
    expect(runMetrics(report)).toContainEqual({ name: RunMetric.UnprotectedCollections, value: 2 });
  });

  it('holds the first 25 of each list with the full counts, so thousands of unprotected collections still fit', async () => {
    // Prepare
    const store = await storeWith('run-1', [succeeded(products), succeeded(tickets), succeeded(events)]);
    await store.putJson(ReportKeys.runCoverage('run-1'), stored(20_000));

    // Act
    const { report, published } = await buildReport(input(), { store, now });

    // Assess
    expect(report.coverage?.unprotected).toHaveLength(25);
    expect(report.coverage?.counts.unprotected).toBe(20_000);
    expect(report.coverage?.fullCoverage).toBe('runs/run-1/coverage.json');
    expect(published.message).toContain(
      'Unprotected: 20000 collections in prod are not backed up: orders_0, orders_1,',
    );
    expect(published.message).toContain('orders_24 and 19975 more\n');
    expect(Buffer.byteLength(JSON.stringify(published))).toBeLessThan(MAX_PUBLISHED_BYTES);
    expect(runMetrics(report)).toContainEqual({ name: RunMetric.UnprotectedCollections, value: 20_000 });
  });

  it('says nothing of coverage when everything is covered, and emits 0', async () => {
    const store = await storeWith('run-1', [succeeded(products), succeeded(tickets), succeeded(events)]);
    await store.putJson(ReportKeys.runCoverage('run-1'), { ...stored(0), missing: [] });
    const { report, published } = await buildReport(input(), { store, now });
    expect(published.message).not.toContain('Unprotected');
    expect(published.message).not.toContain('Missing:');
    expect(runMetrics(report)).toContainEqual({ name: RunMetric.UnprotectedCollections, value: 0 });
  });

  it('fails a run whose Milvus could not be listed, saying only the named collections ran', async () => {
    const store = await storeWith('run-1', [succeeded(products), succeeded(tickets), succeeded(events)]);
    await store.putJson(ReportKeys.runCoverage('run-1'), {
      databases: [],
      unprotected: [],
      missing: [],
      skipped: [],
      unresolved: 'MilvusAuthenticationError: Milvus refused the token',
    });
    const { report, published } = await buildReport(input(), { store, now });
    expect(report.status).toBe('FAILED');
    expect(report.summary.failed).toBe(0);
    expect(published.message).toContain(
      'Coverage:    Milvus could not be listed (MilvusAuthenticationError: Milvus refused the token): only the collections named in the configuration ran',
    );
    expect(runMetrics(report).map((m) => m.name)).not.toContain(RunMetric.UnprotectedCollections);
  });

  it('refuses a coverage document it cannot read, for the state machine to catch', async () => {
    const store = await storeWith('run-1', [succeeded(products), succeeded(tickets), succeeded(events)]);
    await store.putJson(ReportKeys.runCoverage('run-1'), { unprotected: 'all of them' });
    await expect(buildReport(input(), { store, now })).rejects.toMatchObject({
      name: 'RunRecordsUnreadableError',
    });
  });
});

describe('publishedReport', () => {
  const manyCollections = (count: number, failures: number): RunReport => {
    const collections: CollectionResult[] = Array.from({ length: count }, (_, i) => {
      const target = { database: 'default', collection: `collection_${String(i).padStart(5, '0')}` };
      return i < failures ? failed(target) : succeeded(target);
    });
    return {
      schemaVersion: 2,
      runId: 'big-run',
      deployment: { id: 'test-deployment', cluster: TEST_CLUSTER },
      trigger: 'schedule',
      schedule: 'nightly',
      mode: 'full',
      dryRun: false,
      status: failures > 0 ? 'FAILED' : 'SUCCEEDED',
      startedAt: '2026-11-21T03:00:00.000Z',
      finishedAt: '2026-11-21T05:00:00.000Z',
      summary: {
        collections: count,
        succeeded: count - failures,
        failed: failures,
        skipped: 0,
        snapshotsCreated: count - failures,
        snapshotsDropped: count - failures,
        drillsVerified: count - failures,
        drillsFailed: failures,
        restoresSucceeded: 0,
        restoresFailed: 0,
      },
      collections,
    };
  };
  const bytes = (value: unknown) =>
    Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value));

  it('leaves successful collections out first to fit SNS and EventBridge, and says how many', () => {
    // Prepare: 2,000 collections are far more than 256 KB of JSON.
    const report = manyCollections(2000, 7);

    // Act
    const published = publishedReport(report, 's3://reports/reports/2026/11/21/big-run.json');

    // Assess
    expect(bytes(published)).toBeLessThanOrEqual(MAX_PUBLISHED_BYTES);
    expect(bytes(published.message)).toBeLessThan(256 * 1024);
    expect(bytes(published.event)).toBeLessThan(256 * 1024);
    const kept = published.event.collections;
    expect(kept.filter((c) => c.status === 'FAILED')).toHaveLength(7);
    expect(published.event.omittedCollections).toBe(2000 - kept.length);
    expect(published.event.summary).toEqual(report.summary);
    expect(published.message).toContain(
      `${2000 - kept.length} collection(s) are left out of this message to fit the 256 KB limit (successful ones first); the stored report has them all.`,
    );
    // The fewest were left out: one more would not have fit.
    expect(kept.length).toBeGreaterThan(7);
  });

  it('leaves nothing out when the report fits', () => {
    const published = publishedReport(manyCollections(20, 1), 's3://b/k');
    expect(published.event.collections).toHaveLength(20);
    expect(published.event.omittedCollections).toBeUndefined();
  });
});

describe('subjectOf', () => {
  it('stays a short ASCII line whatever the schedule is called', () => {
    const subject = subjectOf({
      schemaVersion: 2,
      runId: 'r',
      deployment: { id: 'test-deployment', cluster: TEST_CLUSTER },
      trigger: 'schedule',
      schedule: 'a_very_long_schedule_name_that_goes_on_and_on_48',
      mode: 'full',
      dryRun: true,
      status: 'FAILED',
      startedAt: '2026-11-21T03:00:00.000Z',
      finishedAt: '2026-11-21T03:00:00.000Z',
      summary: {
        collections: 123456,
        succeeded: 1,
        failed: 123454,
        skipped: 1,
        snapshotsCreated: 0,
        snapshotsDropped: 0,
        drillsVerified: 0,
        drillsFailed: 0,
        restoresSucceeded: 0,
        restoresFailed: 0,
      },
      collections: [],
    });
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject).toMatch(
      /^\[FAILED\] a_very_long_schedule_name_that_goes_on_and_on_48 full dry run: 123454 of /,
    );
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('runMetrics', () => {
  const base = manyCollectionsReport();
  it('counts a successful scheduled run towards its schedule (the freshness alarm watches it)', () => {
    expect(runMetrics(base)).toContainEqual({
      name: RunMetric.SuccessfulRuns,
      value: 1,
      dimensions: { Schedule: 'nightly' },
    });
  });
  it.each([
    ['a failed run', { status: 'FAILED' as const }],
    ['a dry run', { dryRun: true }],
    ['a run of no schedule', { schedule: undefined }],
  ])('does not count %s', (_what, change) => {
    expect(runMetrics({ ...base, ...change }).map((m) => m.name)).not.toContain(RunMetric.SuccessfulRuns);
  });
  it('emits the run totals the dashboard graphs', () => {
    expect(runMetrics(base).filter((m) => !m.dimensions)).toEqual([
      { name: 'CollectionsSucceeded', value: 3 },
      { name: 'CollectionsFailed', value: 0 },
      { name: 'CollectionsSkipped', value: 0 },
      { name: 'SnapshotsCreated', value: 3 },
      { name: 'SnapshotsDropped', value: 2 },
      { name: 'DrillsVerified', value: 3 },
      { name: 'DrillsFailed', value: 0 },
    ]);
  });
});

function manyCollectionsReport(): RunReport {
  return {
    schemaVersion: 2,
    runId: 'r',
    deployment: { id: 'test-deployment', cluster: TEST_CLUSTER },
    trigger: 'schedule',
    schedule: 'nightly',
    mode: 'full',
    dryRun: false,
    status: 'SUCCEEDED',
    startedAt: '2026-11-21T03:00:00.000Z',
    finishedAt: '2026-11-21T03:05:00.000Z',
    summary: {
      collections: 3,
      succeeded: 3,
      failed: 0,
      skipped: 0,
      snapshotsCreated: 3,
      snapshotsDropped: 2,
      drillsVerified: 3,
      drillsFailed: 0,
      restoresSucceeded: 0,
      restoresFailed: 0,
    },
    collections: [],
  };
}
