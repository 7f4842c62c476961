import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../functions/prepare-run/handler';
import { runtimeConfigOf } from '../../../lib/config/deployment-config';
import { parseDeploymentConfig } from '../../../lib/config/load-config';
import { TEST_DEPLOYMENT } from '../../support/deployment';

const context = {
  functionName: 'PrepareRun',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as Context;

/** PrepareRun's payload as the state machine builds it. */
const payload = (input: unknown) => ({
  input,
  execution: { name: 'b7e0c1d2', startTime: '2026-11-21T03:00:04.120Z' },
  config: runtimeConfigOf(
    parseDeploymentConfig({
      milvus: { address: 'milvus:19530' },
      collections: [{ name: 'products' }],
      schedules: { nightly: { cron: 'cron(0 3 * * ? *)', mode: 'full' } },
      retention: { default: { keepDaily: 7 } },
    }),
  ),
  deployment: TEST_DEPLOYMENT,
});

describe('PrepareRun handler', () => {
  let reportsDir: string;
  beforeEach(() => {
    reportsDir = mkdtempSync(join(tmpdir(), 'prepare-run-'));
    vi.stubEnv('MILVUS_ADDRESS', 'https://Milvus.Example.com');
    vi.stubEnv('REPORTS_DIR', reportsDir);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(reportsDir, { recursive: true, force: true });
  });

  it('names the deployment and the cluster the run works on, from the definition and its environment', async () => {
    const result = await handler(payload({}), context);
    expect(result.run.deployment).toEqual({
      id: TEST_DEPLOYMENT.id,
      runTimeoutMinutes: TEST_DEPLOYMENT.runTimeoutMinutes,
      cluster: {
        key: expect.stringMatching(/^milvus\.example\.com_443-[0-9a-f]{8}$/),
        endpoint: 'milvus.example.com:443',
      },
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
      { database: 'default', collection: 'products', policy: 'default' },
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
