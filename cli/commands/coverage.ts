import type { Command } from 'commander';
import {
  type Coverage,
  resolveCollections,
  type SelectedCollection,
} from '../../functions/shared/collection-selection';
import { readMilvusInventory } from '../../functions/shared/milvus-inventory';
import { runtimeConfigOf } from '../../lib/config/deployment-config';
import { AwsSession } from '../aws/aws-session';
import { CliError } from '../cli-error';
import type { CliIo } from '../cli-io';
import { readStore } from '../deployment-records';
import { formatTable } from '../format/text-table';
import {
  addMilvusSourceOptions,
  type MilvusSourceOptions,
  milvusSourceOf,
  withMilvus,
} from '../milvus-source';

interface CoverageOptions extends MilvusSourceOptions {
  readonly json?: boolean;
}

/** What `coverage --json` prints: what a run started now would back up, and what it would leave out. */
export interface CoverageView {
  readonly selected: readonly SelectedCollection[];
  readonly coverage: Coverage;
  /** Originals swaps set aside: not backed up, pruned under their original's policy. */
  readonly setAside?: readonly SelectedCollection[];
}

/**
 * `coverage`: resolves the configuration's entries and selectors against Milvus as PrepareRun
 * does, and prints what a run would back up and what it would not (unprotected, missing,
 * skipped), without running anything.
 */
export function registerCoverageCommand(program: Command, io: CliIo): void {
  const command = program
    .command('coverage')
    .description(
      'what a run would back up, by name or by selector, and what it leaves out: collections nothing covers, configured ones Milvus does not have, and those skipped (nothing is run or changed)',
    )
    .option('--json', 'print the collections and the coverage as JSON');
  addMilvusSourceOptions(command).action(async (options: CoverageOptions) => {
    const aws = new AwsSession(options);
    try {
      const source = await milvusSourceOf(options, io, aws, true);
      if (!source.config) throw new CliError('no configuration: pass --config');
      const config = runtimeConfigOf(source.config);
      const scrub = (text: string) => (source.token ? text.replaceAll(source.token, '***') : text);
      const inventory = await withMilvus(source, scrub, (milvus) =>
        readStore(source.storeOptions, () => readMilvusInventory(config, milvus, source.store, source.scope)),
      );
      const view: CoverageView = resolveCollections(config, inventory);
      io.stdout.write(options.json ? `${JSON.stringify(view, null, 2)}\n` : formatCoverage(view));
    } finally {
      aws.destroy();
    }
  });
}

/** The coverage as a person reads it: what is backed up and how, then what is not, and why. */
export function formatCoverage({ selected, coverage, setAside = [] }: CoverageView): string {
  const key = (c: { database: string; collection: string }) => `${c.database}.${c.collection}`;
  const named = selected.filter((s) => s.selection.by === 'name').length;
  const out = [
    `Databases looked at: ${coverage.databases.join(', ') || 'none'}`,
    '',
    `Backed up: ${selected.length} ${plural(selected.length)} (${named} by name, ${selected.length - named} by selector)`,
  ];
  if (selected.length > 0) {
    out.push(
      formatTable(
        [{ header: 'collection' }, { header: 'how' }, { header: 'retention' }],
        selected.map((s) => [key(s), how(s.selection), s.retention]),
      ).trimEnd(),
    );
  }
  if (setAside.length > 0) {
    out.push(
      '',
      `Pruned, not backed up (set aside by a swap): ${setAside.length} ${plural(setAside.length)}`,
      formatTable(
        [{ header: 'collection' }, { header: 'how' }, { header: 'retention' }],
        setAside.map((s) => [key(s), how(s.selection), s.retention]),
      ).trimEnd(),
    );
  }
  out.push('', `Not backed up, covered by nothing: ${coverage.unprotected.length}`);
  for (const c of coverage.unprotected) out.push(`  ${key(c)}`);
  out.push('', `Configured but not in Milvus: ${coverage.missing.length}`);
  for (const c of coverage.missing) out.push(`  ${key(c)}: ${c.reason}`);
  out.push('', `Skipped on purpose: ${coverage.skipped.length}`);
  for (const c of coverage.skipped) out.push(`  ${key(c)}: ${c.reason}`);
  return `${out.join('\n')}\n`;
}

function how(selection: SelectedCollection['selection']): string {
  switch (selection.by) {
    case 'name':
      return 'by name';
    case 'selector':
      return `selector ${selection.selector + 1} (${selection.pattern})`;
    case 'set-aside':
      return `the original ${selection.original} (swap of run ${selection.swapRun}): retention only`;
  }
}

function plural(n: number): string {
  return n === 1 ? 'collection' : 'collections';
}
