import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { afterAll, describe, expect, it } from 'vitest';
import { startMilvusEmulator } from '../../emulator';

const CLI = join(import.meta.dirname, '../../bin/milvus-emulator.ts');
const LISTENING = /^Milvus emulator listening on (127\.0\.0\.1:\d+)$/m;

interface Cli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

const running: Cli[] = [];

function launch(args: readonly string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
  });
  const cli: Cli = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout.on('data', (chunk: Buffer) => {
    cli.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    cli.stderr += chunk.toString();
  });
  running.push(cli);
  return cli;
}

async function address(cli: Cli): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const match = LISTENING.exec(cli.stdout);
    if (match?.[1] !== undefined) {
      return match[1];
    }
    if (cli.child.exitCode !== null) {
      throw new Error(`the CLI exited with ${cli.child.exitCode}: ${cli.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the CLI never printed its address: ${cli.stdout} ${cli.stderr}`);
}

afterAll(async () => {
  for (const cli of running.splice(0)) {
    if (cli.child.exitCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  }
});

// Each test spawns its own process; run them side by side to keep the suite fast.
describe.concurrent('milvus-emulator CLI', () => {
  // One process exercises every flag: each spawn costs a Node start and an SDK import.
  it('listens on a free port, seeds, requires the token, applies --faults and stops on SIGINT', async () => {
    // Prepare
    const token = 'demo_user:Pr1vate!';
    const dir = await mkdtemp(join(tmpdir(), 'milvus-emulator-'));
    const plan = join(dir, 'faults.json');
    await writeFile(
      plan,
      JSON.stringify({ rules: [{ method: 'ShowCollections', milvusCode: 1, reason: 'not ready' }] }),
    );
    const cli = launch(['--port', '0', '--seed-demo', '--token', token, '--faults', plan]);
    const listening = await address(cli);
    const trusted = new MilvusClient({ address: listening, token, logLevel: 'error' });
    const stranger = new MilvusClient({ address: listening, logLevel: 'error' });
    // Handle the failed Connect at once: the SDK leaves it as an unhandled rejection otherwise.
    const refusal = stranger.connectPromise.then(
      () => undefined,
      (error: unknown) => error,
    );

    // Act
    const products = await trusted.count({ collection_name: 'products' });
    const collections = await trusted.showCollections();
    const refused = await refusal;
    await Promise.all([trusted.closeConnection(), stranger.closeConnection()]);
    cli.child.kill('SIGINT');
    const code = await cli.exited;

    // Assess
    expect(cli.stdout).toBe(`Milvus emulator listening on ${listening}\n`);
    expect(listening).not.toBe('127.0.0.1:0');
    expect(products.data).toBe(2_000);
    expect(collections.status).toMatchObject({ code: 1, reason: 'not ready' });
    expect(refused).toMatchObject({ code: 16 });
    expect(code).toBe(0);
    expect(cli.stderr).toContain('default.products (2000 rows)');
    expect(cli.stderr).toContain('Milvus emulator stopped (SIGINT)');
    expect(`${cli.stdout}${cli.stderr}`).not.toContain('Pr1vate');
  });

  it('exits 2 naming the file and the bad field when the --faults file is invalid', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'milvus-emulator-'));
    const plan = join(dir, 'bad-faults.json');
    await writeFile(plan, JSON.stringify({ rules: [{ method: 'Flush', grpcStatus: 'UNAVAILBLE' }] }));

    // Act
    const cli = launch(['--port', '0', '--faults', plan]);
    const code = await cli.exited;

    // Assess
    expect(code).toBe(2);
    expect(cli.stderr).toContain(plan);
    expect(cli.stderr).toContain('rules[0].grpcStatus');
    expect(cli.stdout).toBe('');
  });

  it('says in one line that a port is in use, and nothing else', async () => {
    // Prepare
    const taken = await startMilvusEmulator();

    // Act
    const cli = launch(['--port', String(taken.port)]);
    const code = await cli.exited;
    await taken.stop();

    // Assess
    expect(code).toBe(1);
    expect(cli.stderr).toBe(
      `milvus-emulator: could not listen on 127.0.0.1:${taken.port}: the port is in use; pick another, or 0 for a free one\n`,
    );
  });
});

// After the block above: on a busy 2-core machine, more processes side by side make the demo
// seed miss its start deadline.
describe('milvus-emulator CLI state file', () => {
  it('seeds --seed-collection, saves --state-file on stop and starts from it next time', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'milvus-emulator-'));
    const stateFile = join(dir, 'runs', 'state.json');
    const first = launch(['--port', '0', '--state-file', stateFile, '--seed-collection', 'lab.events:12:4']);
    const firstAddress = await address(first);
    first.child.kill('SIGTERM');
    const firstCode = await first.exited;

    // Act
    const second = launch(['--port', '0', '--state-file', stateFile]);
    const client = new MilvusClient({ address: await address(second), logLevel: 'error' });
    const counted = await client.count({ collection_name: 'events', db_name: 'lab' });
    await client.closeConnection();
    second.child.kill('SIGINT');
    const secondCode = await second.exited;

    // Assess
    expect(firstAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(firstCode).toBe(0);
    expect(first.stderr).toContain(`state saved to ${stateFile}`);
    expect(counted.data).toBe(12);
    expect(second.stderr).toContain(`state file ${stateFile}: 1 collection(s)`);
    expect(secondCode).toBe(0);
    expect(JSON.parse(await readFile(stateFile, 'utf8'))).toMatchObject({ format: 'milvus-emulator-state' });
  });

  it('exits 2 naming the file when the --state-file is not an emulator state', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'milvus-emulator-'));
    const stateFile = join(dir, 'state.json');
    await writeFile(stateFile, 'not json at all');

    // Act
    const cli = launch(['--port', '0', '--state-file', stateFile]);
    const code = await cli.exited;

    // Assess
    expect(code).toBe(2);
    expect(cli.stderr).toContain(`emulator state file ${stateFile} is not valid JSON`);
    expect(await readFile(stateFile, 'utf8')).toBe('not json at all');
    expect(cli.stdout).toBe('');
  });
});
