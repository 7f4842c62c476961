import type { Command } from 'commander';
import { normaliseCollectionRef } from '../../functions/shared/contracts/runtime-config';
import { addAwsOptions } from '../aws/aws-session';
import { addDeploymentOptions, type DeploymentOptions } from '../aws/deployment';
import { CliError } from '../cli-error';
import type { CliIo } from '../cli-io';
import { validateRunInput } from '../run-input';
import { launchRun } from './start';

interface RestoreOptions extends DeploymentOptions {
  readonly collection: string;
  readonly snapshot?: string;
  readonly target?: string;
  readonly alias?: string;
  readonly swap?: boolean;
  readonly cleanupOnFailure?: boolean;
  readonly name?: string;
  readonly watch?: boolean;
}

/**
 * The execution input of an operator's restore, from the command's flags: what the Step Functions
 * console would be given by hand.
 */
export function restoreInput(
  options: Omit<RestoreOptions, keyof DeploymentOptions | 'name' | 'watch'>,
): unknown {
  if (options.alias !== undefined && options.swap) {
    throw new CliError(
      '--alias and --swap exclude each other: point an alias at the restored copy, or swap names',
    );
  }
  return {
    mode: 'restore',
    collections: [normaliseCollectionRef(options.collection)],
    ...(options.snapshot !== undefined && { snapshot: options.snapshot }),
    ...(options.target !== undefined && { target: options.target }),
    ...(options.alias !== undefined && { alias: options.alias }),
    ...(options.swap && { swap: true }),
    ...(options.cleanupOnFailure && { cleanupOnFailure: true }),
  };
}

/**
 * Adds `restore`: restores a snapshot of one collection into a new collection on the deployed
 * state machine (mode `restore`), after checking the input as `start` does; with `--alias` or
 * `--swap` the application is switched over once the copy is verified and loaded.
 */
export function registerRestoreCommand(parent: Command, io: CliIo): void {
  const command = parent
    .command('restore')
    .description(
      'restore a snapshot into a new collection, verify and load it, and optionally switch an alias or swap names (never overwrites)',
    )
    .requiredOption(
      '--collection <database.name>',
      'the collection to restore (a name alone means database "default")',
    )
    .option('--snapshot <name>', 'the snapshot to restore (default: the newest that passed a drill)')
    .option('--target <name>', 'the new collection (default: <collection>_restored_<UTC date>_<time>)')
    .option(
      '--alias <alias>',
      'point this alias at the restored collection (created, or moved from what it served)',
    )
    .option(
      '--swap',
      'give the restored collection the original name; the original is kept as <name>_replaced_<stamp>',
    )
    .option(
      '--cleanup-on-failure',
      'drop the restored collection if the restore fails (default: keep it to inspect)',
    )
    .option('--name <name>', 'the execution name (default: cli-<UTC date>-<time>-<4 hex>)')
    .option(
      '--watch',
      'follow the run to its end, then print its report (Ctrl-C stops watching, not the run)',
    );
  addDeploymentOptions(command, ['stateMachineArn', 'reportsBucket']);
  addAwsOptions(command).action(async (options: RestoreOptions) => {
    const input = restoreInput(options);
    validateRunInput(input);
    await launchRun(options, input, io);
  });
}
