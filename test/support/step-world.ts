import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { Context } from 'aws-lambda';
import { type FaultPlan, ManualClock, type RunningMilvusEmulator } from '../../emulator';
import { handler as chooseSnapshot } from '../../functions/choose-snapshot/handler';
import { handler as cleanupDrill } from '../../functions/cleanup-drill/handler';
import { measureContents } from '../../functions/create-snapshot/create-snapshot';
import { handler as pollRestore } from '../../functions/poll-restore/handler';
import { handler as recordDrill } from '../../functions/record-drill/handler';
import { useClock } from '../../functions/shared/clock';
import { clusterIdentity } from '../../functions/shared/contracts/deployment';
import { drillSettingsSchema, flushSettingsSchema } from '../../functions/shared/contracts/drill-settings';
import { type RunContext, runContextSchema } from '../../functions/shared/contracts/run-context';
import { DrillLedger } from '../../functions/shared/ledger/drill-ledger';
import { newNonce, SnapshotLedger, type SnapshotRecord } from '../../functions/shared/ledger/snapshot-ledger';
import { SwapLedger, type SwapRecord } from '../../functions/shared/ledger/swap-ledger';
import { connectMilvus } from '../../functions/shared/milvus/milvus-connection';
import type { MilvusGateway } from '../../functions/shared/milvus/milvus-gateway';
import { FileReportStore, type RecordScope } from '../../functions/shared/reports/report-store';
import { formatSnapshotDescription } from '../../functions/shared/snapshot-marker';
import { handler as startRestore } from '../../functions/start-restore/handler';
import { handler as sweepOrphans } from '../../functions/sweep-orphans/handler';
import { handler as verifyRestore } from '../../functions/verify-restore/handler';
import { removeDir } from '../../local/runs-dir';
import {
  createTestCollection,
  type EmulatorFixture,
  flush,
  insertRows,
  load,
  startFixture,
} from '../emulator/support/emulator-fixture';
import { testRunDeployment } from './deployment';

/** An emulator on a manual clock, the step functions' clock and environment pointed at it. */
export interface DrillWorld {
  readonly emulator: RunningMilvusEmulator;
  readonly client: MilvusClient;
  /** A gateway of our own, for preparing and inspecting. */
  readonly milvus: MilvusGateway;
  readonly clock: ManualClock;
  readonly reportsDir: string;
  close(): Promise<void>;
}

/** Starts the world every drill test runs in. */
export async function startDrillWorld(faults?: FaultPlan): Promise<DrillWorld> {
  const clock = new ManualClock();
  const fixture: EmulatorFixture = await startFixture({ clock, ...(faults ? { faults } : {}) });
  const reportsDir = await mkdtemp(join(tmpdir(), 'drill-reports-'));
  const previousEnv = { MILVUS_ADDRESS: process.env.MILVUS_ADDRESS, REPORTS_DIR: process.env.REPORTS_DIR };
  process.env.MILVUS_ADDRESS = fixture.emulator.address;
  process.env.REPORTS_DIR = reportsDir;
  const restoreClock = useClock(() => clock.now());
  const milvus = await connectMilvus(
    { address: fixture.emulator.address, tls: false, timeoutMs: 15_000 },
    undefined,
  );
  return {
    emulator: fixture.emulator,
    client: fixture.client,
    milvus,
    clock,
    reportsDir,
    close: async () => {
      restoreClock();
      await milvus.close();
      await fixture.close();
      await removeDir(reportsDir);
      for (const [key, value] of Object.entries(previousEnv)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}

/** A collection with `rows` flushed rows (ids 1..rows), an HNSW index on `vector`. */
export async function seedCollection(
  world: DrillWorld,
  name: string,
  rows: number,
  options: { readonly loaded?: boolean } = {},
): Promise<void> {
  await createTestCollection(world.client, { name, dim: 4 });
  if (rows > 0) await insertRows(world.client, name, 1, rows);
  await flush(world.client, name);
  if (options.loaded) await load(world.client, name);
}

/**
 * A snapshot this deployment made, as CreateSnapshot makes it: its ledger record (contents
 * measured now) and the snapshot, whose marker repeats the record's nonce. `recordedRows` lets a
 * test record a row count that differs from what the snapshot really holds.
 */
export async function takeOwnedSnapshot(
  world: DrillWorld,
  collection: string,
  snapshotName: string,
  recordedRows?: number,
): Promise<SnapshotRecord> {
  const ref = { database: 'default', collection };
  const measured = await measureContents(world.milvus, ref, 3);
  const contents = recordedRows === undefined ? measured : { ...measured, rows: recordedRows };
  const now = new Date(world.clock.now()).toISOString();
  const scope = worldScope(world);
  const intent: SnapshotRecord = {
    schemaVersion: 1,
    kind: 'snapshot',
    deploymentId: scope.deploymentId,
    clusterKey: scope.clusterKey,
    database: ref.database,
    collection,
    snapshotName,
    runId: 'earlier-run',
    nonce: newNonce(),
    state: 'creating',
    intentAt: now,
    contents,
    updatedBy: 'earlier-run',
    updatedAt: now,
  };
  const description = formatSnapshotDescription(
    {
      deployment: scope.deploymentId,
      schedule: 'daily',
      rows: contents.rows,
      schema: contents.schema,
      nonce: intent.nonce,
    },
    { database: 'default', collection, slot: new Date(world.clock.now()) },
  );
  await world.milvus.createSnapshot(ref, snapshotName, description);
  const described = await world.milvus.describeSnapshot(ref, snapshotName);
  const record: SnapshotRecord = {
    ...intent,
    state: 'created',
    createTs: described.createTs,
    createdAt: described.createdAt.toISOString(),
  };
  await worldLedger(world).write(record);
  return record;
}

/** What the step cores need, pointed at this world: its gateway, its reports directory, its clock. */
export function worldDeps(world: DrillWorld) {
  return {
    milvus: world.milvus,
    store: new FileReportStore(world.reportsDir),
    now: () => new Date(world.clock.now()),
  };
}

/** This world's snapshot ledger (the test deployment, on this world's emulator). */
export function worldLedger(world: DrillWorld): SnapshotLedger {
  return new SnapshotLedger(new FileReportStore(world.reportsDir), worldScope(world));
}

/** This world's drill ledger. */
export function worldDrillLedger(world: DrillWorld): DrillLedger {
  return new DrillLedger(new FileReportStore(world.reportsDir), worldScope(world));
}

/** The record scope (deployment and cluster) of every run made with {@link drillRun} in this world. */
export function worldScope(world: DrillWorld): RecordScope {
  return { deploymentId: testRunDeployment().id, clusterKey: clusterIdentity(world.emulator.address).key };
}

/**
 * Records a swap of `default.products` as SwitchOver does before its first renames (state
 * `swapping`, run `restore-run`, at 2026-11-21T03:00:00Z), with the two collections' Milvus ids
 * as they are now, and returns the record.
 */
export async function recordProductsSwap(
  world: DrillWorld,
  names: { readonly replacedAs: string; readonly restoredAs: string },
): Promise<SwapRecord> {
  const scope = worldScope(world);
  const idOf = async (collection: string) =>
    (await world.milvus.describeCollection({ database: 'default', collection })).id;
  const swap: SwapRecord = {
    schemaVersion: 1,
    kind: 'swap',
    deploymentId: scope.deploymentId,
    clusterKey: scope.clusterKey,
    database: 'default',
    original: 'products',
    replacedAs: names.replacedAs,
    restoredAs: names.restoredAs,
    originalId: await idOf('products'),
    restoredId: await idOf(names.restoredAs),
    runId: 'restore-run',
    state: 'swapping',
    updatedBy: 'restore-run',
    updatedAt: '2026-11-21T03:00:00.000Z',
  };
  await new SwapLedger(new FileReportStore(world.reportsDir), scope).create(swap);
  return swap;
}

/** The run context of a drill run started now, with drill settings overridden as given. */
export function drillRun(
  world: DrillWorld,
  drill: Record<string, unknown> = {},
  extra: Partial<RunContext> = {},
): RunContext {
  const startedAt = new Date(world.clock.now()).toISOString();
  return runContextSchema.parse({
    runId: 'drill-test-run',
    deployment: testRunDeployment(clusterIdentity(world.emulator.address)),
    trigger: 'manual',
    mode: 'drill',
    dryRun: false,
    startedAt,
    slot: startedAt,
    snapshotName: 'manual_20261121_030000',
    markerSchedule: 'manual',
    policies: {},
    drill: drillSettingsSchema.parse(drill),
    flush: flushSettingsSchema.parse({}),
    ...extra,
  });
}

/** The step input every drill step starts from. */
export function collectionInput(run: RunContext, collection: string) {
  return { run, target: { database: 'default', collection, policy: 'default' } };
}

let invocation = 0;

/** A Lambda-like context for calling a handler directly. */
export function lambdaContext(functionName: string): Context {
  invocation += 1;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `request-${invocation}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Calls a step's handler as Lambda would. */
export async function invoke<T>(
  handler: (event: unknown, context: Context) => Promise<T>,
  event: unknown,
  name = 'step',
): Promise<T> {
  return handler(event, lambdaContext(name));
}

/** What Step Functions' Catch stores for a Lambda error (`ResultPath` of the Catch). */
export function caught(error: unknown): { Error: string; Cause: string } {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    Error: e.name,
    Cause: JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }),
  };
}

/** Retry transient errors like the state machine's Retry on `MilvusUnavailableError` (3 attempts). */
async function withRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof Error && error.name === 'MilvusUnavailableError') || attempt >= 3) throw error;
    }
  }
}

/** Everything a drill chain produced, as the state machine's state would hold it. */
export type DrillState = Record<string, unknown> & { drill?: Record<string, unknown> };

/**
 * Runs the drill chain exactly as the state machine does: each step's result under its path,
 * Wait states advancing the manual clock by the step's `waitSeconds`, transient errors retried, any
 * other error caught into `$.drillError`, then CleanupDrill and RecordDrill on every path.
 */
export async function runDrill(world: DrillWorld, start: Record<string, unknown>): Promise<DrillState> {
  const state: DrillState = { ...start };
  const step = async (path: string, handler: (event: unknown, context: Context) => Promise<unknown>) => {
    state[path] = await withRetry(() => invoke(handler, state, path));
  };
  try {
    await step('drillSource', chooseSnapshot);
    await step('orphans', sweepOrphans);
    await step('restore', startRestore);
    world.clock.advance(((state.restore as { firstWaitSeconds: number }).firstWaitSeconds ?? 0) * 1000);
    for (;;) {
      await step('poll', pollRestore);
      const poll = state.poll as { decision: string; waitSeconds: number };
      if (poll.decision !== 'wait') break;
      world.clock.advance(poll.waitSeconds * 1000);
    }
    if ((state.poll as { decision: string }).decision === 'completed') {
      for (;;) {
        await step('verification', verifyRestore);
        const verification = state.verification as { deepPending: boolean; waitSeconds?: number };
        if (!verification.deepPending) break;
        world.clock.advance((verification.waitSeconds ?? 1) * 1000);
      }
    }
  } catch (error) {
    state.drillError = caught(error);
  }
  try {
    await step('cleanup', cleanupDrill);
  } catch (error) {
    state.cleanupError = caught(error);
  }
  await step('drill', recordDrill);
  return state;
}
