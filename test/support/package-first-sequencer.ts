import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The test that packs, installs and synthesizes the package (test/lib/package/consumer.test.ts). */
export const PACKAGE_TEST = 'test/lib/package/consumer.test.ts';

/**
 * Vitest's order (the slowest files of the last run first, or the largest when it has no record
 * of them), with the package test first of all: most of its two minutes are spent waiting on
 * npm, the disk and a synthesis in child processes, which the other worker's files use the cores
 * through. Run last, it would run alone for a third of the suite's time.
 */
export class PackageFirstSequencer extends BaseSequencer {
  public override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isPackage = (spec: TestSpecification) => spec.moduleId.endsWith(PACKAGE_TEST);
    return [...sorted.filter(isPackage), ...sorted.filter((spec) => !isPackage(spec))];
  }
}
