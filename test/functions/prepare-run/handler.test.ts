import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../functions/prepare-run/handler';
import { clusterIdentity } from '../../../functions/shared/contracts/deployment';
import { closeCachedMilvus } from '../../../functions/shared/lambda/milvus-environment';
import { SwapLedger } from '../../../functions/shared/ledger/swap-ledger';
import { FileReportStore } from '../../../functions/shared/reports/report-store';
import { runtimeConfigOf } from '../../../lib/config/deployment-config';
import { parseDeploymentConfig } from '../../../lib/config/load-config';
import {
  createTestCollection,
  type EmulatorFixture,
  startFixture,
} from '../../emulator/support/emulator-fixture';
import { TEST_DEPLOYMENT } from '../../support/deployment';

const context = {
  functionName: 'PrepareRun',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as Context;

/** PrepareRun's payload as the state machine builds it. */
const payload = (input: unknown, selectors: unknown[] = []) => ({
  input,
  execution: { name: 'b7e0c1d2', startTime: '2026-11-21T03:00:04.120Z' },
  config: runtimeConfigOf(
    parseDeploymentConfig({
      milvus: { address: 'milvus:19530' },
      collections: [{ name: 'products' }],
      selectors,
      schedules: { nightly: { cron: 'cron(0 3 * * ? *)', mode: 'full' } },
      retention: { default: { keepDaily: 7 } },
    }),
  ),
  deployment: TEST_DEPLOYMENT,
});

describe('PrepareRun handler', () => {
  let reportsDir: string;
  let world: EmulatorFixture;
  beforeEach(async () => {
    world = await startFixture();
    await createTestCollection(world.client, { name: 'products' });
    reportsDir = mkdtempSync(join(tmpdir(), 'prepare-run-'));
    vi.stubEnv('MILVUS_ADDRESS', world.emulator.address);
    vi.stubEnv('REPORTS_DIR', reportsDir);
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await closeCachedMilvus();
    await world.close();
    rmSync(reportsDir, { recursive: true, force: true });
  });

  it('names the deployment and the cluster the run works on, from the definition and its environment', async () => {
    const result = await handler(payload({}), context);
    expect(result.run.deployment).toEqual({
      id: TEST_DEPLOYMENT.id,
      runTimeoutMinutes: TEST_DEPLOYMENT.runTimeoutMinutes,
      cluster: clusterIdentity(world.emulator.address),
    });
  });

  it('resolves the selectors against Milvus and stores the list and the coverage beside it', async () => {
    // Prepare
    for (const name of ['orders', 'tmp_a']) await createTestCollection(world.client, { name });
    await world.client.createDatabase({ db_name: 'analytics' });
    await createTestCollection(world.client, { name: 'clicks', database: 'analytics' });

    // Act
    const result = await handler(payload({}, [{ match: '*', exclude: ['tmp_*'] }]), context);

    // Assess
    expect(result.collections).toEqual({ key: 'runs/b7e0c1d2/items.json', count: 2 });
    expect(JSON.parse(readFileSync(join(reportsDir, 'runs', 'b7e0c1d2', 'items.json'), 'utf8'))).toEqual([
      { database: 'default', collection: 'products', policy: 'default', selection: { by: 'name' } },
      {
        database: 'default',
        collection: 'orders',
        policy: 'default',
        selection: { by: 'selector', selector: 0, pattern: 'default.* except tmp_*' },
      },
    ]);
    const coverage = JSON.parse(readFileSync(join(reportsDir, 'runs', 'b7e0c1d2', 'coverage.json'), 'utf8'));
    expect(coverage).toMatchObject({ databases: ['default'], unprotected: [], missing: [] });
    expect(coverage.skipped.map((s: { collection: string }) => s.collection)).toEqual(['tmp_a']);
  });

  it("adds an original a swap set aside to backup runs for retention only, under its original's policy, and to no selector", async () => {
    // Prepare: a swap of products set its original aside (as SwitchOver records it); a selector matches everything
    await createTestCollection(world.client, { name: 'products_replaced_20261121_030015' });
    const scope = {
      deploymentId: TEST_DEPLOYMENT.id,
      clusterKey: clusterIdentity(world.emulator.address).key,
    };
    await new SwapLedger(new FileReportStore(reportsDir), scope).create({
      schemaVersion: 1,
      kind: 'swap',
      deploymentId: scope.deploymentId,
      clusterKey: scope.clusterKey,
      database: 'default',
      original: 'products',
      replacedAs: 'products_replaced_20261121_030015',
      restoredAs: 'products_restored_20261121_030015',
      originalId: '1',
      restoredId: '2',
      runId: 'restore-run',
      state: 'swapped',
      updatedBy: 'restore-run',
      updatedAt: '2026-11-21T03:00:15.000Z',
    });
    const items = () => JSON.parse(readFileSync(join(reportsDir, 'runs', 'b7e0c1d2', 'items.json'), 'utf8'));

    // Act
    await handler(payload({ mode: 'backup' }, [{ match: '*' }]), context);
    const backup = items();
    await handler(payload({ mode: 'drill' }, [{ match: '*' }]), context);
    const drill = items();

    // Assess
    const aside = {
      database: 'default',
      collection: 'products_replaced_20261121_030015',
      policy: 'default',
      selection: { by: 'set-aside', original: 'products', swapRun: 'restore-run' },
    };
    expect(backup).toEqual([
      { database: 'default', collection: 'products', policy: 'default', selection: { by: 'name' } },
      aside,
    ]);
    expect(drill).toEqual([backup[0]]);
    const coverage = JSON.parse(readFileSync(join(reportsDir, 'runs', 'b7e0c1d2', 'coverage.json'), 'utf8'));
    expect(coverage.skipped).toEqual([
      expect.objectContaining({ collection: aside.collection, why: 'set-aside' }),
    ]);
  });

  it('refuses a bad input before any Milvus call', async () => {
    world.emulator.calls.reset();
    await expect(handler(payload({ collections: ['orders'] }), context)).rejects.toMatchObject({
      name: 'InvalidInputError',
    });
    expect(world.emulator.calls.count()).toBe(0);
  });

  it('plans the entries by name when Milvus cannot be listed, and says so in the coverage', async () => {
    // Prepare: nothing answers at the address
    vi.stubEnv('MILVUS_ADDRESS', '127.0.0.1:1');
    vi.stubEnv('MILVUS_TIMEOUT_MS', '1000');

    // Act
    const result = await handler(payload({}, [{ match: '*' }]), context);

    // Assess: the named collection runs (and fails on its own, as before); the report will say why no more
    expect(result.collections.count).toBe(1);
    const coverage = JSON.parse(readFileSync(join(reportsDir, 'runs', 'b7e0c1d2', 'coverage.json'), 'utf8'));
    expect(coverage).toMatchObject({
      unprotected: [],
      skipped: [],
      unresolved: expect.stringMatching(/^MilvusUnavailableError: /),
    });
  });

  it('fails without the Milvus address, saying what to set', async () => {
    vi.stubEnv('MILVUS_ADDRESS', undefined);
    await expect(handler(payload({}), context)).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: expect.stringContaining('MILVUS_ADDRESS must name the Milvus endpoint'),
    });
  });

  it('stores the collection list for the Map and hands on only where it is, for a scheduled slot', async () => {
    const result = await handler(
      payload({ schedule: 'nightly', scheduledTime: '2026-11-21T03:00:00Z' }),
      context,
    );
    expect(result.run).toMatchObject({
      trigger: 'schedule',
      mode: 'full',
      snapshotName: 'nightly_20261121_030000',
    });
    expect(result.collections).toEqual({ key: 'runs/b7e0c1d2/items.json', count: 1 });
    expect(JSON.parse(readFileSync(join(reportsDir, 'runs', 'b7e0c1d2', 'items.json'), 'utf8'))).toEqual([
      { database: 'default', collection: 'products', policy: 'default', selection: { by: 'name' } },
    ]);
  });

  it('fails with the error name the state machine sees, and a message that says what to fix', async () => {
    await expect(handler(payload({ mode: 'nightly' }), context)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining(
        'mode: Invalid option: expected one of "backup"|"drill"|"full"|"restore", got "nightly"',
      ),
    });
  });

  it('refuses a payload that is not what the state machine sends', async () => {
    await expect(handler({ input: {} }, context)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('invalid PrepareRun input: execution:'),
    });
  });
});
