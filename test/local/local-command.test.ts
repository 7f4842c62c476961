import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningMilvusEmulator, startMilvusEmulator } from '../../emulator';
import {
  EXIT,
  executionInputOf,
  type LocalCommandIo,
  runLocalCommand,
  SIGNAL_ECHO_MS,
} from '../../local/local-command';
import { emulatorFilesOf } from '../../local/local-emulator';
import { removeDir } from '../../local/runs-dir';
import { PROJECT_ROOT } from '../lib/fixtures';
import { InFlight } from '../support/in-flight';

const EXAMPLE = join(PROJECT_ROOT, 'examples', 'scheduler.config.json');

/**
 * Time one `npm run local` may take here: a few seconds alone, but each one synthesizes, seeds
 * and runs a whole state machine, so tests that chain runs get this much per run on a busy machine.
 */
const PER_RUN_MS = 40_000;

/** The runs of this file, so that a test's cleanup waits for one it left running (it timed out). */
const runs = new InFlight();

interface LocalOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `npm run local -- <args>` in-process, in a scratch directory, with the example
 * configuration and `<dir>/runs` as the runs directory unless the arguments name others.
 * `onOutput` sees every line as it is written (e.g. to press Ctrl-C at the right moment).
 */
async function local(
  args: string[],
  dir: string,
  env: NodeJS.ProcessEnv = {},
  extra: Partial<LocalCommandIo> & { onOutput?(text: string, interrupt: () => void): void } = {},
): Promise<LocalOutcome> {
  const out: string[] = [];
  const err: string[] = [];
  const listeners = new Set<() => void>();
  const interrupt = () => {
    for (const l of [...listeners]) l();
  };
  const code = await runs.track(
    runLocalCommand(
      [
        ...args,
        ...(args.includes('--config') ? [] : ['--config', EXAMPLE]),
        ...(args.includes('--runs-dir') ? [] : ['--runs-dir', join(dir, 'runs')]),
      ],
      {
        stdout: {
          write: (t: string) => {
            out.push(t);
            extra.onOutput?.(t, interrupt);
          },
        },
        stderr: { write: (t: string) => err.push(t) },
        env,
        cwd: dir,
        onInterrupt: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        ...(extra.nodeVersion ? { nodeVersion: extra.nodeVersion } : {}),
      },
    ),
  );
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** The collections and snapshots the kept emulator of a runs directory holds. */
async function keptEmulator(runsDir: string) {
  const emulator = await startMilvusEmulator({ stateFile: emulatorFilesOf(runsDir).state });
  try {
    const collections = emulator.inspect
      .databases()
      .flatMap((db) => emulator.inspect.collections(db).map((c) => `${db}.${c.name}`))
      .sort();
    const snapshots = (db: string, name: string) =>
      emulator.inspect
        .snapshots(db, name)
        .map((s) => s.name)
        .sort();
    return { collections, snapshots };
  } finally {
    await emulator.stop();
  }
}

describe('npm run local', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'local-command-'));
  });
  afterEach(async () => {
    // A run that outlived its test (a timeout) ends first: it writes into dir until it does.
    await runs.settle(PER_RUN_MS / 2);
    await removeDir(dir);
  }, PER_RUN_MS);

  it(
    'runs a full run on the emulator, shows progress and a summary, writes the report, exits 0',
    async () => {
      // Act
      const { code, stdout } = await local(['--report-file', 'report.json'], dir);

      // Assess
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /Local run of .*full run of every configured collection \(3\), and what 1 selector\(s\) match in Milvus on the built-in Milvus emulator \(127\.0\.0\.1:\d+, new, kept in runs\/emulator, seeded default\.products, default\.support_tickets, analytics\.user_events\)/,
      );
      expect(stdout).toContain(
        "(the configuration's milvus.address, milvus.internal.example.com:19530, is not used: pass --milvus-uri to run against it)",
      );
      expect(stdout).toMatch(/default\.products +snapshot manual_\d{8}_\d{6} \(2000 rows\)/);
      expect(stdout).toMatch(/default\.products +verification: 5\/5 checks passed/);
      expect(stdout).toMatch(/COLLECTION +STATUS +SNAPSHOT/);
      expect(stdout).toMatch(/^SUCCEEDED: 3 succeeded, 0 failed, 0 skipped; 3 snapshot\(s\) created/m);
      expect(stdout).toMatch(/^Report: runs\/reports\/\d{4}\/\d{2}\/\d{2}\/local-.*\.json$/m);
      expect(stdout).not.toContain('undefined');
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
      expect(report).toMatchObject({ schemaVersion: 2, status: 'SUCCEEDED', mode: 'full' });
    },
    // The first run of the file also synthesizes the stack and loads every handler.
    2 * PER_RUN_MS,
  );

  it(
    'starts the run clock when the run starts: the report is dated by the real start, and ends after it',
    async () => {
      // Prepare: 1,000 run seconds per real second, so time spent starting up would show at once
      const before = Date.now();

      // Act
      const { code } = await local(
        ['--mode', 'backup', '--time-scale', '0.001', '--report-file', 'r.json'],
        dir,
      );
      const after = Date.now();

      // Assess
      expect(code).toBe(0);
      const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
      const startedAt = Date.parse(report.startedAt);
      expect(startedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(startedAt).toBeLessThanOrEqual(after);
      expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(startedAt);
      expect(report.runId).toMatch(
        new RegExp(`^local-${report.startedAt.slice(0, 10).replaceAll('-', '')}T`),
      );
    },
    PER_RUN_MS,
  );

  it(
    'exits 1 when the run fails (a restore fails on the emulator), with --json on stdout',
    async () => {
      // Prepare
      await writeFile(
        join(dir, 'faults.json'),
        JSON.stringify({
          restore: [{ collection: 'products', outcome: 'failed', reason: 'disk quota exceeded' }],
        }),
      );

      // Act
      const { code, stdout, stderr } = await local(['--faults', 'faults.json', '--json'], dir);

      // Assess
      expect(code).toBe(1);
      expect(JSON.parse(stdout)).toMatchObject({ status: 'FAILED' });
      expect(stderr).toMatch(/default\.products +restore Failed .*disk quota exceeded/);
      // The report line says the run failed; its Fail state's line would only repeat it.
      expect(stderr).toMatch(/report: \[FAILED\] manual full: 1 of 3 collections failed\n/);
      expect(stderr).not.toContain('RunFailed');
    },
    PER_RUN_MS,
  );

  describe('keeps the built-in emulator between runs that share a runs directory', () => {
    it(
      'backs up, then drills that backup, then previews retention on the same snapshots, then restores it; --fresh starts over',
      async () => {
        // Act: three runs, as the README's quick start has them
        const backup = await local(['--mode', 'backup'], dir);
        const snapshot = /snapshot (manual_\d{8}_\d{6}) \(2000 rows\)/.exec(backup.stdout)?.[1];
        const drill = await local(['--mode', 'drill'], dir);
        const dryRun = await local(['--dry-run', '--report-file', 'dry-run.json'], dir);

        // Assess
        expect(backup.code).toBe(0);
        expect(snapshot).toBeDefined();
        expect(drill.code).toBe(0);
        expect(drill.stdout).toMatch(
          /\(127\.0\.0\.1:\d+, kept in runs\/emulator: 3 snapshot\(s\); --fresh starts over\)/,
        );
        expect(drill.stdout).toContain(
          `default.products                 drill of ${snapshot} (2000 rows expected)`,
        );
        // A drill takes no snapshot: its table shows the one it drilled, and the rows it expected.
        expect(drill.stdout).toMatch(
          new RegExp(`default\\.products +SUCCEEDED +${snapshot} +2000 +- +verified`),
        );
        expect(drill.stdout).toMatch(/^SUCCEEDED: 3 succeeded.*3 drill\(s\) verified/m);
        expect(dryRun.code).toBe(0);
        const report = JSON.parse(await readFile(join(dir, 'dry-run.json'), 'utf8'));
        expect(report).toMatchObject({ dryRun: true, status: 'SUCCEEDED' });
        const products = report.collections.find((c: { collection: string }) => c.collection === 'products');
        expect(products.retention.counts).toMatchObject({ kept: 1, dropped: 0 });
        expect(dryRun.stdout).toMatch(/0 snapshot\(s\) created, 0 would be dropped/);
        // It takes no snapshot: its table names the ones retention kept, the backup's among them.
        expect(dryRun.stdout).toMatch(
          new RegExp(`default\\.products +SUCCEEDED +kept: ${snapshot} +- +kept 1, would drop 0`),
        );
        const kept = await keptEmulator(join(dir, 'runs'));
        expect(kept.snapshots('default', 'products')).toEqual([snapshot]);
        expect(kept.collections).toEqual([
          'analytics.user_events',
          'default.products',
          'default.support_tickets',
        ]);

        // Act: an operator's restore of that snapshot, with the restore's flags
        const restore = await local(
          ['--mode', 'restore', '--collections', 'products', '--alias', 'catalog'],
          dir,
        );

        // Assess
        expect(restore.code).toBe(0);
        expect(restore.stdout).toContain(
          `default.products                 restore of ${snapshot} (2000 rows expected)`,
        );
        expect(restore.stdout).toMatch(
          /default\.products +kept the restored collection \(it is the restore's result\)/,
        );
        expect(restore.stdout).toMatch(
          /default\.products +loaded, alias catalog → products_restored_\d{8}_\d{6}/,
        );
        expect(restore.stdout).toMatch(
          new RegExp(
            `default\\.products +SUCCEEDED +${snapshot} +2000 +- +restored into products_restored_\\d{8}_\\d{6}, 5/5 checks, alias catalog moved`,
          ),
        );
        expect(restore.stdout).toMatch(/planned a restore run of 1 collection\(s\)\n/);
        expect(restore.stdout).toMatch(
          /0 snapshot\(s\) created, 0 dropped, 1 restore\(s\) verified, 0 failed/,
        );
        expect(restore.stdout).not.toMatch(/drill of|drill collection|drill\(s\)|snapshot name|undefined/);

        // Act: start over
        const fresh = await local(['--mode', 'drill', '--fresh'], dir);

        // Assess: a new, empty emulator (a new cluster: the ledger of the old one does not apply)
        expect(fresh.code).toBe(1);
        expect(fresh.stdout).toMatch(/new, kept in runs\/emulator, seeded default\.products/);
        expect(fresh.stdout).toMatch(
          /default\.products +ChooseSnapshot ✗ NoSnapshotToDrillError: default\.products has no snapshot of this deployment to drill; run a backup first/,
        );
        expect(fresh.stdout).toMatch(
          /NoSnapshotToDrillError: default\.products has no snapshot of this deployment to drill/,
        );
        expect(fresh.stdout).not.toMatch(
          /NoSnapshotToDrillError: the drill failed|drill of undefined|undefined/,
        );
        expect((await keptEmulator(join(dir, 'runs'))).snapshots('default', 'products')).toEqual([]);
      },
      5 * PER_RUN_MS,
    );

    it(
      "seeds the collections of one's own configuration (and a --seed file's), so any configuration runs",
      async () => {
        // Prepare
        const config = JSON.parse(await readFile(EXAMPLE, 'utf8'));
        config.collections = [
          { database: 'tenant_a', name: 'docs' },
          { database: 'default', name: 'products' },
          { name: 'orders' },
        ];
        config.schedules = {};
        await writeFile(join(dir, 'mine.json'), JSON.stringify(config));
        await writeFile(
          join(dir, 'seed.json'),
          JSON.stringify([{ database: 'default', name: 'orders', rows: 250 }]),
        );

        // Act
        const first = await local(['--config', 'mine.json', '--seed', 'seed.json', '--mode', 'backup'], dir);
        const second = await local(['--config', 'mine.json', '--mode', 'drill'], dir);

        // Assess
        expect(first.code).toBe(0);
        expect(first.stdout).toMatch(/seeded default\.products, tenant_a\.docs, default\.orders/);
        expect(first.stdout).toMatch(/tenant_a\.docs +snapshot manual_\d{8}_\d{6} \(100 rows\)/);
        expect(first.stdout).toMatch(/default\.orders +snapshot manual_\d{8}_\d{6} \(250 rows\)/);
        expect(first.stdout).toMatch(/default\.products +snapshot manual_\d{8}_\d{6} \(2000 rows\)/);
        expect(second.code).toBe(0);
        expect(second.stdout).not.toContain('seeded');
        expect(second.stdout).toMatch(/tenant_a\.docs +SUCCEEDED .* verified/);
      },
      2 * PER_RUN_MS,
    );
  });

  it(
    'takes the execution input from --input (JSON or a file), the flags laid over it, and --scheduled-time',
    async () => {
      // Prepare
      await writeFile(join(dir, 'input.json'), JSON.stringify({ mode: 'drill', collections: ['products'] }));

      // Act
      const run = await local(
        [
          '--input',
          'input.json',
          '--mode',
          'backup',
          '--scheduled-time',
          '2026-11-21T03:00:00+01:00',
          '--report-file',
          'r.json',
        ],
        dir,
      );
      const inline = await local(['--input', '{"mode": "backup", "colections": ["products"]}'], dir);

      // Assess
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        'backup run of 1 of 3 configured collection(s) (products) for the slot 2026-11-21T03:00:00+01:00',
      );
      const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
      expect(report.collections).toHaveLength(1);
      expect(report.collections[0].backup.snapshotName).toBe('manual_20261121_020000');
      expect(inline.code).toBe(2);
      expect(inline.stderr).toMatch(/^error: invalid execution input: \(root\): unknown key "colections"/);
      expect(inline.stderr.trim().split('\n')).toHaveLength(1);
    },
    2 * PER_RUN_MS,
  );

  it.each([
    [['--mode', 'weekly'], /argument 'weekly' is invalid. Allowed choices are backup, drill, full/],
    [
      ['--collections', 'default.nope'],
      /^error: unknown collection "default\.nope"; configured: default\.products/,
    ],
    [['--time-scale', '0'], /expected a number greater than 0 and at most 1, got 0/],
    [['--faults', 'missing.json'], /missing\.json/],
    [['--config', 'nope.json'], /^error: --config nope\.json: no such file\n$/],
    [
      ['--input', '{"mode": '],
      /^error: --input: not valid JSON: it ends too early \(unclosed \{ or \[ \?\)\n$/,
    ],
    [['--seed', '[{"nam": "x"}]'], /^error: --seed \[\{"nam": "x"\}\]: \[0\]\.name: /],
    [
      ['--mode', 'drill', '--dry-run'],
      /^error: a drill restores a snapshot, and a dry run changes nothing \(the run's mode is "drill"\): drop "dryRun", or use it with "mode": "backup" or "full" to see what retention would keep and drop\n$/,
    ],
  ])(
    'exits 2 on bad usage %j before anything runs, saying what to fix in one line',
    async (args, message) => {
      // Act
      const { code, stdout, stderr } = await local(args, dir);

      // Assess
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stdout).not.toContain('Local run of');
    },
  );

  it.each([
    [
      'a file',
      async (d: string) => writeFile(join(d, 'taken'), 'x').then(() => 'taken'),
      /taken is a file, not a directory/,
    ],
    [
      'inside a file',
      async (d: string) => writeFile(join(d, 'f'), 'x').then(() => 'f/runs'),
      /f is a file, not a directory/,
    ],
    [
      'under /proc',
      async () => '/proc/nope/runs',
      /cannot be created \(\/proc\/nope does not accept new directories\)/,
    ],
  ])(
    'refuses a runs directory that is %s before any snapshot is taken: one line, exit 2',
    async (_, make, message) => {
      // Prepare
      const runsDir = await make(dir);

      // Act
      const { code, stdout, stderr } = await local(['--mode', 'backup', '--runs-dir', runsDir], dir);

      // Assess
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`^error: --runs-dir .*${message.source}.*\\n$`));
      expect(stdout).toBe('');
    },
  );

  it('refuses to run on Node.js older than 22, saying how to get it', async () => {
    // Act
    const { code, stderr } = await local(['--mode', 'backup'], dir, {}, { nodeVersion: '20.20.2' });

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      'error: Node.js 22 or newer is needed, this is v20.20.2: run "source scripts/use-node22.sh" first (README, On an older Node.js)\n',
    );
  });

  it(
    'names the schedule\'s own collections in the header, not "every configured collection"',
    async () => {
      // Act
      const { code, stdout } = await local(['--schedule', 'hourly'], dir);

      // Assess
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /schedule hourly: backup run of 2 of 3 configured collection\(s\) \(default\.products, default\.support_tickets\) on/,
      );
    },
    PER_RUN_MS,
  );

  it(
    'counts a snapshot whose reply was lost as created, and prints no line for a failed step but its ✗',
    async () => {
      // Prepare
      await writeFile(
        join(dir, 'faults.json'),
        JSON.stringify({
          rules: [
            {
              method: 'CreateSnapshot',
              collection: 'products',
              grpcStatus: 'UNAVAILABLE',
              afterApply: true,
              times: 1,
            },
            {
              method: 'Flush',
              collection: 'user_events',
              milvusCode: 65535,
              reason: 'disk error',
              times: 10,
            },
          ],
        }),
      );

      // Act
      const { code, stdout } = await local(['--mode', 'backup', '--faults', 'faults.json'], dir);

      // Assess
      expect(code).toBe(1);
      expect(stdout).toMatch(/^FAILED: 2 succeeded, 1 failed, 0 skipped; 2 snapshot\(s\) created/m);
      expect(stdout).toMatch(/default\.products +snapshot manual_\d{8}_\d{6} \(2000 rows/);
      expect(stdout).toMatch(/analytics\.user_events +Flush ✗ MilvusError: .*disk error/);
      expect(stdout).not.toMatch(/analytics\.user_events +flush requested/);
      expect(stdout).not.toContain('undefined');
    },
    PER_RUN_MS,
  );

  describe('Ctrl-C', () => {
    const hangingRestores = async () => {
      await writeFile(join(dir, 'faults.json'), JSON.stringify({ restore: { outcome: 'stuck' } }));
      return ['--mode', 'full', '--collections', 'products', '--faults', 'faults.json'];
    };

    it(
      'stops new work, lets the drill in flight clean up, writes the report, exits 130',
      async () => {
        // Prepare
        const args = await hangingRestores();

        // Act: Ctrl-C once the restore is under way
        let pressed = false;
        const run = await local(
          [...args, '--report-file', 'r.json'],
          dir,
          {},
          {
            onOutput: (text, interrupt) => {
              if (!pressed && /restore Executing/.test(text)) {
                pressed = true;
                // One key press, delivered twice: by the terminal, and forwarded by npm.
                interrupt();
                interrupt();
              }
            },
          },
        );

        // Assess
        expect(run.code).toBe(EXIT.interrupted);
        expect(run.stdout).toContain(
          'Interrupted: starting no new work; drills in flight clean up and the report is written',
        );
        expect(run.stdout).toMatch(/default\.products +cleaned up/);
        // The table says what became of the drill, not "Failed, 0/0 checks"
        expect(run.stdout).toMatch(
          /^default\.products +FAILED +manual_\d{8}_\d{6} +2000 +kept 1, dropped 0 +interrupted before verification, cleaned up +RunInterruptedError: /m,
        );
        // One line ends it, and the run's Fail state repeats nothing
        expect(run.stderr).toBe(
          'Stopped by Ctrl-C: the report holds what the run did before, and the 1 of 1 collection(s) it interrupted as FAILED (RunInterruptedError); nothing the drills made is left behind.\n',
        );
        expect(run.stdout).not.toContain('RunFailed');
        const report = JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'));
        expect(report.collections[0]).toMatchObject({
          status: 'FAILED',
          error: { name: 'RunInterruptedError' },
          drill: { cleanedUp: true },
        });
        expect(report.collections[0].backup.snapshotName).toMatch(/^manual_/);
        const kept = await keptEmulator(join(dir, 'runs'));
        expect(kept.collections.filter((c) => c.includes('drill_'))).toEqual([]);
      },
      PER_RUN_MS,
    );

    it(
      'a second Ctrl-C abandons the drills in flight, naming what may be left behind',
      async () => {
        // Prepare: a drill collection that cannot be dropped, so cleanup hangs on its retries (at
        // x10, they outlast the pause before the second press by seconds)
        await writeFile(
          join(dir, 'faults.json'),
          JSON.stringify({
            restore: { outcome: 'stuck' },
            rules: [{ method: 'DropCollection', grpcStatus: 'UNAVAILABLE' }],
          }),
        );

        // Act
        let presses = 0;
        const run = await local(
          ['--mode', 'full', '--collections', 'products', '--faults', 'faults.json', '--time-scale', '0.1'],
          dir,
          {},
          {
            onOutput: (text, interrupt) => {
              if (presses === 0 && /restore Executing/.test(text)) {
                presses = 1;
                interrupt();
              } else if (presses === 1 && /CleanupDrill ↻ retrying/.test(text)) {
                presses = 2;
                // A press of its own, not an echo of the first (see SIGNAL_ECHO_MS).
                setTimeout(interrupt, SIGNAL_ECHO_MS);
              }
            },
          },
        );

        // Assess
        expect(run.code).toBe(EXIT.interrupted);
        expect(run.stderr).toMatch(
          /Abandoned the run: no report was written\. May be left behind in Milvus \(the next drill's orphan sweep removes them\): default\.drill_products_\d{8}_\d{6}_[0-9a-f]+ \(drill of default\.products\)/,
        );
      },
      PER_RUN_MS,
    );
  });

  describe('against a Milvus given by address', () => {
    let milvus: RunningMilvusEmulator;
    beforeAll(async () => {
      milvus = await startMilvusEmulator({ seedDemo: true, token: 'root:Right-Token' });
    });
    afterAll(async () => {
      await milvus.stop();
    });

    it('refuses a wrong token before running, exit 2, saying which token to check, without printing it', async () => {
      // Act
      const { code, stdout, stderr } = await local(
        ['--milvus-uri', milvus.address, '--mode', 'backup'],
        dir,
        { MILVUS_TOKEN: 'root:Wrong-Token' },
      );

      // Assess
      expect(code).toBe(2);
      expect(stderr).toMatch(
        /^error: connect to Milvus at .*: Milvus refused the credentials \(.*\)\. Check the token given to the run \(--milvus-token or MILVUS_TOKEN\)\.\n$/,
      );
      expect(stdout + stderr).not.toContain('Wrong-Token');
      expect(stderr).not.toContain('token secret');
      expect(milvus.inspect.snapshots('default', 'products')).toEqual([]);
    });

    it(
      'backs up a Milvus given with --milvus-uri and --milvus-token, in real time',
      async () => {
        // Act
        const { code, stdout } = await local(
          ['--milvus-uri', milvus.address, '--milvus-token', 'root:Right-Token', '--mode', 'backup'],
          dir,
        );

        // Assess
        expect(code).toBe(0);
        expect(stdout).toMatch(/on Milvus at 127\.0\.0\.1:\d+, real time/);
        expect(stdout).not.toContain('is not used');
        expect(milvus.inspect.snapshots('default', 'products')).toHaveLength(1);
        expect(stdout).not.toContain('Right-Token');
      },
      PER_RUN_MS,
    );
  });
});

describe('executionInputOf', () => {
  it("keeps --input's keys the flags do not set, a restore's among them, and lays each flag set over its key", () => {
    // Prepare
    const given = {
      mode: 'restore',
      collections: ['products'],
      alias: 'catalog',
      swap: false,
      snapshot: 'a',
    };

    // Act
    const input = executionInputOf(given, { snapshot: 'b', scheduledTime: '2026-11-21T03:00:00Z' });

    // Assess
    expect(input).toEqual({
      mode: 'restore',
      collections: ['products'],
      alias: 'catalog',
      swap: false,
      snapshot: 'b',
      scheduledTime: '2026-11-21T03:00:00Z',
    });
  });

  it("sets a restore's keys from its flags, and refuses --alias with --swap as the CLI's restore does", () => {
    // Act
    const input = executionInputOf(
      { mode: 'restore', snapshot: 'nightly_20261120_020000' },
      { collections: ['products'], target: 'products_fixed', swap: true, cleanupOnFailure: true },
    );
    const both = () => executionInputOf({}, { mode: 'restore', alias: 'catalog', swap: true });

    // Assess
    expect(input).toEqual({
      mode: 'restore',
      snapshot: 'nightly_20261120_020000',
      collections: ['products'],
      target: 'products_fixed',
      swap: true,
      cleanupOnFailure: true,
    });
    expect(both).toThrow('--alias and --swap exclude each other');
  });

  it('runs everything locally when neither the input nor the flags give a mode or a schedule', () => {
    // Act
    const bare = executionInputOf({}, {});
    const scheduled = executionInputOf({}, { schedule: 'hourly' });

    // Assess
    expect(bare).toEqual({ mode: 'full' });
    expect(scheduled).toEqual({ schedule: 'hourly' });
  });
});
