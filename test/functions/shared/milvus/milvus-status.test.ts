import { describe, expect, it } from 'vitest';
import {
  CollectionAlreadyExistsError,
  CollectionNotFoundError,
  MilvusAuthenticationError,
  MilvusError,
  MilvusInvalidArgumentError,
  MilvusUnavailableError,
  MilvusUnsupportedError,
  RestoreJobNotFoundError,
  SnapshotAlreadyExistsError,
  SnapshotNotFoundError,
  SnapshotPinnedError,
} from '../../../../functions/shared/errors';
import {
  errorFromRejection,
  errorFromStatus,
  isSuccess,
  redact,
} from '../../../../functions/shared/milvus/milvus-status';

describe('errorFromStatus', () => {
  // Statuses as milvus-snapshot-semantics.md records them.
  it.each([
    [
      { error_code: 'CollectionNotExists', code: 100, reason: 'collection not found' },
      CollectionNotFoundError,
    ],
    [
      { error_code: 'IllegalArgument', code: 1100, reason: 'snapshot name s already exists in collection c' },
      SnapshotAlreadyExistsError,
    ],
    [
      {
        error_code: 'IllegalArgument',
        code: 1100,
        reason: 'snapshot name can only contain numbers, letters',
      },
      MilvusInvalidArgumentError,
    ],
    [
      { error_code: 'IllegalArgument', code: 1101, reason: 'collection_name is required' },
      MilvusInvalidArgumentError,
    ],
    [{ error_code: 'UnexpectedError', code: 2600, reason: 'snapshot not found' }, SnapshotNotFoundError],
    [
      {
        error_code: 'UnexpectedError',
        code: 2601,
        reason: 'active pins exist, unpin before dropping: snapshot is pinned',
      },
      SnapshotPinnedError,
    ],
    [
      { error_code: 'UnexpectedError', code: 2101, reason: 'restore job not found: jobID=7' },
      RestoreJobNotFoundError,
    ],
    [
      { error_code: 'UnexpectedError', code: 65535, reason: 'duplicate collection drill_x' },
      CollectionAlreadyExistsError,
    ],
    [{ error_code: 'UnexpectedError', code: 8, reason: 'rate limit exceeded' }, MilvusUnavailableError],
    [{ error_code: 'UnexpectedError', code: 5, reason: 'internal', retriable: true }, MilvusUnavailableError],
    [{ error_code: 'UnexpectedError', code: 5, reason: 'internal' }, MilvusError],
  ])('maps %j to its typed error', (status, type) => {
    // Act
    const error = errorFromStatus(status, 'do something');

    // Assess
    expect(error).toBeInstanceOf(type);
    expect(error.name).toBe(type.name);
    expect(error.message).toBe(`do something: ${status.reason} (Milvus code ${status.code})`);
    expect(error.milvusCode).toBe(status.code);
  });

  it('falls back to the legacy error_code when code is unset (older servers)', () => {
    expect(errorFromStatus({ error_code: 'CollectionNotExists', reason: 'x' }, 'describe')).toBeInstanceOf(
      CollectionNotFoundError,
    );
  });
});

describe('isSuccess', () => {
  it('accepts Success and code 0, nothing else', () => {
    expect(isSuccess({ error_code: 'Success', code: 0, reason: '' })).toBe(true);
    expect(isSuccess({ error_code: 'Success', code: 2600, reason: '' })).toBe(false);
    expect(isSuccess({ error_code: 'UnexpectedError', reason: 'x' })).toBe(false);
    expect(isSuccess(undefined)).toBe(false);
  });
});

describe('errorFromRejection', () => {
  it.each([
    [{ code: 14, details: 'No connection established' }, MilvusUnavailableError],
    [{ code: 4, details: 'Deadline exceeded' }, MilvusUnavailableError],
    [{ code: 16, details: 'auth check failure' }, MilvusAuthenticationError],
    [{ code: 12, details: 'Method not found: CreateSnapshot' }, MilvusUnsupportedError],
    [new Error('connect ECONNREFUSED 127.0.0.1:1'), MilvusUnavailableError],
    [new Error('The `snapshot_name` property is missing.'), MilvusInvalidArgumentError],
  ])('maps %j', (rejection, type) => {
    expect(errorFromRejection(rejection, 'call')).toBeInstanceOf(type);
  });

  it('never carries the token, raw or base64, into the message, and keeps no cause', () => {
    // Prepare
    const token = 'root:S3cr3t-Passw0rd';
    const base64 = Buffer.from(token).toString('base64');
    const rejection = Object.assign(new Error(`bad metadata authorization=${base64} token=${token}`), {
      code: 2,
    });

    // Act
    const error = errorFromRejection(rejection, 'connect', [token]);

    // Assess
    expect(error.message).not.toContain(token);
    expect(error.message).not.toContain(base64);
    expect(error.message).toContain('***');
    expect(error.cause).toBeUndefined();
  });
});

describe('redact', () => {
  it('leaves text alone when there is no secret', () => {
    expect(redact('nothing to hide', [])).toBe('nothing to hide');
  });
});
