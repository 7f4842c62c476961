import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holdSnapshot } from '../../../functions/choose-snapshot/target-record';
import type { RunContext } from '../../../functions/shared/contracts/run-context';
import { DrillLedger } from '../../../functions/shared/ledger/drill-ledger';
import { FileReportStore, type ReportStore } from '../../../functions/shared/reports/report-store';
import {
  type DrillWorld,
  drillRun,
  seedCollection,
  startDrillWorld,
  worldDeps,
  worldScope,
} from '../../support/step-world';

const TARGET = { database: 'default', collection: 'products', policy: 'default' };

/** A store whose first write of each kind takes effect and then loses its reply, as S3 can. */
function lossyStore(
  root: string,
): Pick<ReportStore, 'getJson' | 'putJson' | 'createJson' | 'list' | 'delete'> {
  const store = new FileReportStore(root);
  const lost = new Set<string>();
  const once = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    const result = await call();
    if (lost.has(what)) return result;
    lost.add(what);
    throw new Error(`${what}: the connection was reset after the request was sent`);
  };
  return {
    getJson: (key) => store.getJson(key),
    list: (prefix) => store.list(prefix),
    delete: (key) => store.delete(key),
    createJson: (key, value) => once('createJson', () => store.createJson(key, value)),
    putJson: (key, value) => once('putJson', () => store.putJson(key, value)),
  };
}

describe('holdSnapshot', () => {
  let world: DrillWorld;
  beforeEach(async () => {
    world = await startDrillWorld();
    await seedCollection(world, 'products', 5);
  });
  afterEach(async () => world.close());

  const restoreRun = (runId: string, extra: Partial<RunContext> = {}) =>
    drillRun(
      world,
      {},
      {
        runId,
        mode: 'restore',
        restore: { target: 'products_copy', swap: false, cleanupOnFailure: false },
        ...extra,
      },
    );
  const restores = () => new DrillLedger(new FileReportStore(world.reportsDir), worldScope(world), 'restore');

  it('writes one record however it is retried, when the replies of its writes are lost', async () => {
    // Prepare
    const run = drillRun(world);
    const deps = { ...worldDeps(world), store: lossyStore(world.reportsDir) };

    // Act: the first attempt's create took effect, its reply was lost; the retry chooses another
    // snapshot (a newer one appeared) and the reply of that write is lost too
    const first = await holdSnapshot(run, TARGET, 'daily_20261121_030000', deps).catch((e: unknown) => e);
    const moved = await holdSnapshot(run, TARGET, 'daily_20261121_040000', deps).catch((e: unknown) => e);
    const retried = await holdSnapshot(run, TARGET, 'daily_20261121_040000', deps);

    // Assess
    expect(first).toBeInstanceOf(Error);
    expect(moved).toBeInstanceOf(Error);
    const drills = await new DrillLedger(new FileReportStore(world.reportsDir), worldScope(world)).list(
      'default',
    );
    expect(drills).toEqual([retried]);
    expect(retried).toMatchObject({
      state: 'chosen',
      runId: run.runId,
      source: { collection: 'products', snapshotName: 'daily_20261121_040000' },
    });
  });

  it('never moves a hold once a restore was asked for', async () => {
    // Prepare
    const run = drillRun(world);
    const record = await holdSnapshot(run, TARGET, 'daily_20261121_030000', worldDeps(world));
    await new DrillLedger(new FileReportStore(world.reportsDir), worldScope(world)).write({
      ...record,
      state: 'restoring',
    });

    // Act / Assess
    await expect(holdSnapshot(run, TARGET, 'daily_20261121_040000', worldDeps(world))).rejects.toMatchObject({
      name: 'DrillTargetConflictError',
      message: expect.stringContaining("is recorded for this run's restore of daily_20261121_030000"),
    });
  });

  it("refuses a restore target another run's restore still holds, and takes it once that run is over and its copy gone", async () => {
    // Prepare: an earlier restore into products_copy held the same snapshot and is not over
    await holdSnapshot(restoreRun('earlier-restore'), TARGET, 'daily_20261121_030000', worldDeps(world));
    const run = restoreRun('this-restore');

    // Act
    const refused = await holdSnapshot(run, TARGET, 'daily_20261121_030000', worldDeps(world)).catch(
      (e: unknown) => e,
    );
    await restores().recordRunEnded('earlier-restore', new Date(world.clock.now()));
    const held = await holdSnapshot(run, TARGET, 'daily_20261121_030000', worldDeps(world));

    // Assess
    expect(refused).toMatchObject({
      name: 'RestoreConflictError',
      message:
        'the target collection default.products_copy is recorded for run earlier-restore; a restore never overwrites a collection: name another "target"',
    });
    expect(held).toMatchObject({ runId: 'this-restore', state: 'chosen' });
    expect(await restores().list('default')).toEqual([held]);
  });

  it("keeps an ended restore's record while the copy it kept is still there", async () => {
    // Prepare: the earlier restore failed and kept its copy
    await holdSnapshot(restoreRun('earlier-restore'), TARGET, 'daily_20261121_030000', worldDeps(world));
    await restores().recordRunEnded('earlier-restore', new Date(world.clock.now()));
    await seedCollection(world, 'products_copy', 3);

    // Act / Assess
    await expect(
      holdSnapshot(restoreRun('this-restore'), TARGET, 'daily_20261121_030000', worldDeps(world)),
    ).rejects.toMatchObject({
      name: 'RestoreConflictError',
      message: expect.stringContaining(
        'products_copy already exists and is recorded for run earlier-restore',
      ),
    });
    expect(await restores().list('default')).toEqual([expect.objectContaining({ runId: 'earlier-restore' })]);
  });
});
