import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockstepClock } from './local-clock';
import { runLocalCommand } from './local-command';
import { removeDir } from './runs-dir';

/** One `npm run local` of a sample: its arguments, and when it starts (ISO 8601, UTC). */
export interface SampleRun {
  readonly args: readonly string[];
  readonly startsAt: string;
}

/** What a sample run printed, stdout and stderr as a terminal shows them, and its exit code. */
export interface SampleTranscript {
  readonly command: string;
  readonly output: string;
  readonly code: number;
}

/**
 * The port each sample run's emulator is shown on. The emulator listens on a port the system
 * picks (a fixed one could be taken, by another run or another emulator), which is the one thing
 * of the output a sample does not take from the run itself.
 */
const SHOWN_PORTS = [41537, 36285, 44109, 39721, 42853] as const;

/**
 * Runs `npm run local` as bin/local.ts does, once per sample and one after the other, in a new
 * directory that holds only the example configuration (`examples/scheduler.config.json`, found
 * as it is in a fresh clone) so that the default runs directory, `.local-runs`, and the emulator
 * kept in it start empty and are shared by the samples, as they are by a user's first runs.
 *
 * What a run otherwise takes from the machine is fixed ({@link LocalCommandIo.fixed}): each run's
 * clock is a {@link LockstepClock} from its `startsAt`, so its snapshot names, restore progress
 * and report are those of that time whatever the day, and the run's events come in one order;
 * its id is made from its start and arguments. So the transcripts are the same on every machine,
 * every day and in every time zone, and the README's copy of them (`npm run docs`) is checked
 * by a test rather than kept by hand.
 *
 * @param example the example configuration to copy in
 */
export async function sampleTranscripts(
  example: string,
  runs: readonly SampleRun[],
): Promise<SampleTranscript[]> {
  const dir = await mkdtemp(join(tmpdir(), 'readme-sample-'));
  try {
    await mkdir(join(dir, 'examples'));
    await copyFile(example, join(dir, 'examples', 'scheduler.config.json'));
    const transcripts: SampleTranscript[] = [];
    for (const [index, run] of runs.entries()) {
      const start = Date.parse(run.startsAt);
      if (Number.isNaN(start))
        throw new RangeError(`a sample run's startsAt is ISO 8601, got '${run.startsAt}'`);
      const written: string[] = [];
      const terminal = { write: (text: string) => written.push(text) };
      const code = await runLocalCommand(run.args, {
        stdout: terminal,
        stderr: terminal,
        env: {},
        cwd: dir,
        fixed: { clock: new LockstepClock(start), runId: sampleRunId(run, start) },
      });
      const port = SHOWN_PORTS[index % SHOWN_PORTS.length];
      transcripts.push({
        command: ['npm run local', ...(run.args.length > 0 ? ['--', ...run.args] : [])].join(' '),
        output: written.join('').replace(/(built-in Milvus emulator \(127\.0\.0\.1:)\d+/, `$1${port}`),
        code,
      });
    }
    return transcripts;
  } finally {
    await removeDir(dir);
  }
}

/** `local-<start stamp>-<8 hex>`, as a run names itself, the hex made from the run instead of at random. */
function sampleRunId(run: SampleRun, start: number): string {
  const stamp = new Date(start).toISOString().replace(/[-:.]/g, '');
  const tail = createHash('sha256').update(JSON.stringify(run)).digest('hex').slice(0, 8);
  return `local-${stamp}-${tail}`;
}
