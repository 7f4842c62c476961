import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../../functions/shared/errors';
import { milvusFromEnvironment } from '../../../../functions/shared/lambda/milvus-environment';
import { stepEnvironment } from '../../../../functions/shared/lambda/step-environment';

describe('stepEnvironment', () => {
  it('applies the defaults a deployed function relies on', () => {
    expect(stepEnvironment({ REPORTS_BUCKET: 'reports' })).toMatchObject({
      REPORTS_BUCKET: 'reports',
      MILVUS_TLS: 'false',
      MILVUS_TIMEOUT_MS: 15_000,
      PER_COLLECTION_METRICS: 'true',
    });
  });

  it('parses an unchanged environment once, and a changed one anew', () => {
    // Prepare
    const env = { MILVUS_ADDRESS: 'milvus:19530', MILVUS_TIMEOUT_MS: '2000' };

    // Act
    const first = stepEnvironment(env);
    const again = stepEnvironment({ ...env });
    const changed = stepEnvironment({ ...env, MILVUS_TIMEOUT_MS: '3000' });

    // Assess
    expect(again).toBe(first);
    expect(changed.MILVUS_TIMEOUT_MS).toBe(3000);
  });

  it('names the variable and the value that is wrong', () => {
    expect(() => stepEnvironment({ MILVUS_TIMEOUT_MS: 'soon' })).toThrow(ConfigurationError);
    expect(() => stepEnvironment({ MILVUS_TLS: 'yes' })).toThrow(
      /invalid function environment: MILVUS_TLS: .*got "yes"/,
    );
  });

  it('a Milvus step without MILVUS_ADDRESS says what to set', async () => {
    await expect(milvusFromEnvironment(stepEnvironment({}))).rejects.toThrow(
      /MILVUS_ADDRESS must name the Milvus endpoint/,
    );
  });
});
