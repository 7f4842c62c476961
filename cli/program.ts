import { Command, CommanderError } from 'commander';
import { CliError, EXIT_CODES } from './cli-error';
import type { CliIo } from './cli-io';
import { registerCoverageCommand } from './commands/coverage';
import { registerReportCommand } from './commands/report';
import { registerRestoreCommand } from './commands/restore';
import { registerRetentionPlanCommand } from './commands/retention-plan';
import { registerRetentionPreviewCommand } from './commands/retention-preview';
import { registerRunsCommand } from './commands/runs';
import { registerSchedulesCommand } from './commands/schedules';
import { registerSnapshotsCommand } from './commands/snapshots';
import { registerStartCommand } from './commands/start';

/**
 * Builds the `milvus-snapshot-scheduler` command-line program.
 *
 * Each command lives in its own module under `cli/commands/` and is attached here with a
 * `register…Command(parent, io)` function. Commands are created with `parent.command(...)` (not
 * `addCommand`) so they inherit the output and exit settings below. Actions report failure by
 * throwing a {@link CliError}; they never call `process.exit`.
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command('milvus-snapshot-scheduler')
    .description('Scheduled Milvus collection snapshots, retention and restore drills')
    // Commander must throw rather than exit, so tests can run the program in-process.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)');

  registerStartCommand(program, io);
  registerRestoreCommand(program, io);
  registerRunsCommand(program, io);
  registerReportCommand(program, io);
  registerSchedulesCommand(program, io);
  registerSnapshotsCommand(program, io);
  registerCoverageCommand(program, io);

  const retention = program
    .command('retention')
    .description('retention policies: preview what they keep and drop');
  registerRetentionPlanCommand(retention, io);
  registerRetentionPreviewCommand(retention, io);

  return program;
}

/**
 * Runs the program on `argv` (the user's arguments, without `node` and the script) and returns
 * the exit code. Errors are printed on `io.stderr` as one message, never as a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...argv], { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help that was asked for).
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`error: unexpected failure: ${message}\n`);
    return EXIT_CODES.internal;
  }
}
