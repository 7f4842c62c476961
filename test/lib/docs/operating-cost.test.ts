import { describe, expect, it } from 'vitest';
import { drillMetrics } from '../../../functions/record-drill/record-drill';
import { COLLECTION_METRICS } from '../../../functions/shared/lambda/collection-metrics';
import { BILLING_CHUNK_BYTES, metricCounts, publishedSizes } from '../../../lib/docs/operating-cost';
import { drill } from '../../functions/record-collection-result/fixtures';

describe('metricCounts', () => {
  it('counts the per-collection metrics the steps emit: up to 10, RecordDrill six of them', () => {
    expect(metricCounts()).toEqual({
      perCollection: 10,
      perStepWhenOff: 10,
      perRunReport: 8,
      perSchedule: 2,
    });
    // The table is what RecordDrill emits: a completed drill emits every one of its names.
    expect(drillMetrics(drill()).map((m) => m.name)).toEqual([...COLLECTION_METRICS.RecordDrill]);
  });
});

describe('publishedSizes', () => {
  it('bills a small run one SNS request and one event, and a large one a request per 64 KB chunk', () => {
    expect(publishedSizes(1)).toMatchObject({ snsRequests: 1, events: 1 });
    const large = publishedSizes(1000);
    expect(large.snsRequests).toBe(Math.ceil(large.messageBytes / BILLING_CHUNK_BYTES));
    expect(large.snsRequests).toBeGreaterThan(1);
    // Trimmed to fit the 256 KB state the SNS and EventBridge tasks read.
    expect(large.messageBytes + large.eventBytes).toBeLessThanOrEqual(256 * 1024);
  });
});
