import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  emitCollectionMetrics,
  MetricUnit,
  perCollectionMetrics,
} from '../../../../functions/shared/lambda/collection-metrics';
import { stepEnvironment } from '../../../../functions/shared/lambda/step-environment';
import { publishMetrics } from '../../../../functions/shared/lambda/step-handler';

const target = { database: 'default', collection: 'products' };

interface EmfLine {
  readonly _aws: { readonly CloudWatchMetrics: Array<{ readonly Dimensions: string[][] }> };
  readonly [key: string]: unknown;
}

/** Metrics whose EMF lines (written to stdout by Powertools' own console) are captured. */
function capturedMetrics(): { metrics: Metrics; lines: () => EmfLine[]; warnings: () => string[] } {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  const metrics = new Metrics({ namespace: 'MilvusSnapshotScheduler', serviceName: 'CreateSnapshot' });
  return {
    metrics,
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes('"_aws"'))
        .map((l) => JSON.parse(l) as EmfLine),
    warnings: () => [...out, ...err].filter((l) => /No application metrics/.test(l)),
  };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('emitCollectionMetrics', () => {
  it('gives each metric a Collection dimension by default', () => {
    // Prepare
    const { metrics, lines } = capturedMetrics();

    // Act
    emitCollectionMetrics(
      metrics,
      'CreateSnapshot',
      target,
      [{ name: 'SnapshotsCreated', unit: MetricUnit.Count, value: 1 }],
      true,
    );

    // Assess: a single metric is printed at once
    expect(lines()).toHaveLength(1);
    expect(lines()[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'Collection']]);
    expect(lines()[0]).toMatchObject({ Collection: 'default.products', SnapshotsCreated: 1 });
  });

  it('puts the collection in metadata instead when per-collection metrics are off', () => {
    // Prepare
    const { metrics } = capturedMetrics();

    // Act
    emitCollectionMetrics(
      metrics,
      'EnforceRetention',
      target,
      [{ name: 'SnapshotsDropped', unit: MetricUnit.Count, value: 3 }],
      false,
    );
    const emf = metrics.serializeMetrics();

    // Assess
    expect(emf._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    expect(emf).toMatchObject({ collection: 'default.products', SnapshotsDropped: 3 });
  });

  it('refuses a metric its step does not list in COLLECTION_METRICS (the README counts that table)', () => {
    const { metrics } = capturedMetrics();
    const unlisted = [{ name: 'Surprise', unit: MetricUnit.Count, value: 1 }] as never;
    expect(() => emitCollectionMetrics(metrics, 'CheckFlush', target, unlisted, true)).toThrow(
      'CheckFlush emits Surprise, which COLLECTION_METRICS does not list',
    );
  });

  it('reads the switch from the environment, on unless set to false', () => {
    expect(perCollectionMetrics(stepEnvironment({}))).toBe(true);
    expect(perCollectionMetrics(stepEnvironment({ PER_COLLECTION_METRICS: 'false' }))).toBe(false);
  });
});

describe('publishMetrics', () => {
  it('publishes what a step recorded, and says nothing when it recorded none', async () => {
    // Prepare
    const { metrics, lines, warnings } = capturedMetrics();
    const middleware = publishMetrics(metrics);

    // Act
    await middleware.after?.({} as never);
    metrics.addMetric('SnapshotsDropped', MetricUnit.Count, 2);
    await middleware.after?.({} as never);

    // Assess
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ SnapshotsDropped: 2 });
    expect(warnings()).toEqual([]);
  });
});
