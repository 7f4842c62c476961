import { logger } from '@zilliz/milvus2-sdk-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { skipSdkLogCallsBelowLevel } from '../../../../functions/shared/milvus/sdk-logger';

describe('skipSdkLogCallsBelowLevel', () => {
  const level = logger.level;
  afterEach(() => {
    logger.level = level;
  });

  it('hands winston only what its level lets through, the level read at each call', () => {
    // Prepare: the SDK's logger as the functions set it (logLevel 'error'), its output captured.
    skipSdkLogCallsBelowLevel();
    skipSdkLogCallsBelowLevel();
    const written: string[] = [];
    vi.spyOn(logger, 'write').mockImplementation((info: { message?: unknown }) => {
      written.push(String(info.message));
      return true;
    });
    logger.level = 'error';

    // Act
    logger.debug('a request');
    logger.info('an info');
    logger.error('an error');
    logger.level = 'debug';
    logger.debug('a request, now at debug');

    // Assess
    expect(written).toEqual(['an error', 'a request, now at debug']);
  });

  it('guards the logger once per process, however many times its module is loaded', async () => {
    // Prepare
    skipSdkLogCallsBelowLevel();
    const guarded = logger.debug;

    // Act: the module evaluated anew (as a test worker does for each file), and asked again
    vi.resetModules();
    const again = await import('../../../../functions/shared/milvus/sdk-logger');
    again.skipSdkLogCallsBelowLevel();

    // Assess: no second wrapper around the first
    expect(logger.debug).toBe(guarded);
  });
});
