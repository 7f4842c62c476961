import { describe, expect, it } from 'vitest';
import { invokeLocally } from '../../local/local-lambda';

describe('invokeLocally', () => {
  it('passes the payload and result through JSON, as Lambda does', async () => {
    // Act
    const result = await invokeLocally(
      async (event, context) => ({
        got: event,
        when: new Date(0),
        name: context.functionName,
        gone: undefined,
      }),
      'Flush',
      { a: 1, skip: undefined },
      1000,
    );

    // Assess
    expect(result).toEqual({ got: { a: 1 }, when: '1970-01-01T00:00:00.000Z', name: 'Flush' });
  });

  it('reports a failure with the error name and the Cause document Lambda would send', async () => {
    // Prepare
    class CollectionNotFoundError extends Error {
      override name = 'CollectionNotFoundError';
    }

    // Act
    const failure = await invokeLocally(
      async () => {
        throw new CollectionNotFoundError('flush default.x: collection not found (Milvus code 100)');
      },
      'Flush',
      {},
      1000,
    ).catch((error: unknown) => error);

    // Assess
    if (!(failure instanceof Error)) throw new Error('expected the invocation to fail');
    expect(failure.name).toBe('CollectionNotFoundError');
    expect(JSON.parse(failure.message)).toEqual({
      errorType: 'CollectionNotFoundError',
      errorMessage: 'flush default.x: collection not found (Milvus code 100)',
      trace: [],
    });
  });
});
