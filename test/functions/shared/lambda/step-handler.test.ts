import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { emitCollectionMetrics, MetricUnit } from '../../../../functions/shared/lambda/collection-metrics';
import { createStepHandler } from '../../../../functions/shared/lambda/step-handler';

interface EmfLine {
  readonly _aws: { readonly CloudWatchMetrics: Array<{ readonly Dimensions: string[][] }> };
  readonly [key: string]: unknown;
}

const context = { functionName: 'CreateSnapshot', awsRequestId: 'req-1' } as Context;

/**
 * A step that emits one run-level metric and one per-collection metric, as the real steps do.
 * Built inside each test: Powertools reads POWERTOOLS_METRICS_DISABLED when Metrics is created.
 */
const stepHandler = () =>
  createStepHandler({
    step: 'CreateSnapshot',
    input: z.object({ target: z.object({ database: z.string(), collection: z.string() }) }),
    dependencies: () => ({}),
    run: async (input, _deps, { tools }) => {
      tools.metrics.addMetric('Buffered', MetricUnit.Count, 1);
      emitCollectionMetrics(
        tools.metrics,
        'CreateSnapshot',
        input.target,
        [{ name: 'SnapshotsCreated', unit: MetricUnit.Count, value: 1 }],
        true,
      );
      return 'ok';
    },
  });

function emfLines(): () => EmfLine[] {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  return () =>
    out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as EmfLine);
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('createStepHandler metrics', () => {
  it("gives every metric the deployment's Deployment dimension, per-collection ones included", async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('DEPLOYMENT_ID', 'Production.eu-west-1');
    const lines = emfLines();
    const handler = stepHandler();

    // Act
    await handler({ target: { database: 'default', collection: 'products' } }, context);

    // Assess
    const emitted = lines();
    expect(emitted).toHaveLength(2);
    for (const line of emitted) {
      expect(line).toMatchObject({ service: 'CreateSnapshot', Deployment: 'Production.eu-west-1' });
      expect(line._aws.CloudWatchMetrics[0]?.Dimensions[0]).toEqual(
        expect.arrayContaining(['service', 'Deployment']),
      );
    }
    expect(emitted.find((l) => 'SnapshotsCreated' in l)?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['service', 'Deployment', 'Collection'],
    ]);
  });

  it('refuses a DEPLOYMENT_ID that is not a deployment id, naming the variable', async () => {
    vi.stubEnv('DEPLOYMENT_ID', 'has spaces');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await expect(
      stepHandler()({ target: { database: 'default', collection: 'p' } }, context),
    ).rejects.toThrow(/DEPLOYMENT_ID/);
  });
});
