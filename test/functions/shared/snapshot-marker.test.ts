import { describe, expect, it } from 'vitest';
import { formatSnapshotDescription, parseSnapshotMarker } from '../../../functions/shared/snapshot-marker';

const context = { database: 'default', collection: 'products', slot: new Date('2026-11-21T03:00:00Z') };
const NONCE = '9c1f0e2d3b4a59687766554433221100';
const marker = {
  deployment: 'prod.eu-west-1',
  schedule: 'daily',
  rows: 2000,
  schema: '4f2a9c1d7e3b5a60',
  nonce: NONCE,
};

describe('snapshot marker', () => {
  it('writes a sentence a person can read, then the machine tag with the deployment and the nonce', () => {
    // Act
    const description = formatSnapshotDescription(marker, context);

    // Assess
    expect(description).toBe(
      'Scheduled snapshot of default.products (schedule daily, slot 2026-11-21T03:00:00Z) by prod.eu-west-1: 2000 rows. ' +
        `[milvus-snapshot-scheduler v2 deployment=prod.eu-west-1 schedule=daily rows=2000 schema=4f2a9c1d7e3b5a60 nonce=${NONCE}]`,
    );
  });

  it('reads back what it wrote', () => {
    expect(parseSnapshotMarker(formatSnapshotDescription(marker, context))).toEqual({
      version: 2,
      ...marker,
    });
  });

  it('reads the markers of releases before the ledger, as version 1 (no deployment, no nonce)', () => {
    expect(
      parseSnapshotMarker(
        'Scheduled snapshot. [milvus-snapshot-scheduler v1 schedule=daily rows=5 schema=ab12]',
      ),
    ).toEqual({ version: 1, schedule: 'daily', rows: 5, schema: 'ab12' });
  });

  it.each([
    ['', 'empty'],
    ['Daily backup for January 1st, 2024', "someone else's description"],
    ['[milvus-snapshot-scheduler v1 schedule=daily rows=x schema=a]', 'a bad row count'],
    [
      '[milvus-snapshot-scheduler v2 schedule=daily rows=1 schema=a]',
      'version 2 without deployment and nonce',
    ],
    [
      '[milvus-snapshot-scheduler v2 deployment=a schedule=daily rows=1 schema=a nonce=xyz]',
      'a nonce that is not 32 hex characters',
    ],
    ['[milvus-snapshot-scheduler v3 schedule=daily rows=1 schema=a]', 'an unknown version'],
    [
      '[milvus-snapshot-scheduler v1 schedule=daily rows=1 schema=a] edited afterwards',
      'a tag not at the end',
    ],
  ])('does not claim %j (%s)', (description) => {
    expect(parseSnapshotMarker(description)).toBeUndefined();
  });

  it('refuses to write a schedule with spaces, which it could not read back', () => {
    expect(() => formatSnapshotDescription({ ...marker, schedule: 'my schedule' }, context)).toThrow(
      /schedule must be a single word, got 'my schedule'/,
    );
  });

  it('refuses to write a nonce that is not 32 hex characters', () => {
    expect(() => formatSnapshotDescription({ ...marker, nonce: 'abc' }, context)).toThrow(
      /nonce must be 32 hex characters, got 'abc'/,
    );
  });
});
