import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { handlerEntry } from '../../../lib/function-bundling';
import { functionDirectories, packageOf } from '../../../lib/package/package-build';
import { FRESHNESS_CHECK, STEP_CATALOG } from '../../../lib/step-catalog';

describe('the package build', () => {
  it('bundles a function for every catalog step and the freshness check, read from the catalog', () => {
    const directories = functionDirectories();
    expect(new Set(directories)).toEqual(
      new Set([...Object.values(STEP_CATALOG).map((s) => s.directory), FRESHNESS_CHECK.directory]),
    );
    for (const directory of directories) expect(existsSync(handlerEntry(directory))).toBe(true);
  });

  it('names the package of an import, scoped or not, so only dependencies and peers pass', () => {
    expect(packageOf('aws-cdk-lib/aws-s3')).toBe('aws-cdk-lib');
    expect(packageOf('zod')).toBe('zod');
    expect(packageOf('@aws-lambda-powertools/logger/middleware')).toBe('@aws-lambda-powertools/logger');
  });
});
