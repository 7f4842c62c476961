import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { usedPortList } from '../../emulator/rpc-server';
import { connectMilvus } from '../../functions/shared/milvus/milvus-connection';
import type { MilvusGateway } from '../../functions/shared/milvus/milvus-gateway';
import { type EmulatorProcess, startEmulatorProcess } from '../../local/emulator-process';
import { ScaledClock } from '../../local/local-clock';

/** Whether a process is still there. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
}

const PRODUCTS = { database: 'default', collection: 'products' };

// Every test starts a Node.js process that loads the emulator: allow for a busy machine.
describe('startEmulatorProcess', { timeout: 60_000 }, () => {
  let emulator: EmulatorProcess | undefined;
  let milvus: MilvusGateway | undefined;
  afterEach(async () => {
    await milvus?.close();
    await emulator?.stop();
    milvus = undefined;
    emulator = undefined;
  });

  const connect = async (address: string) => {
    milvus = await connectMilvus({ address, tls: false, timeoutMs: 5_000 }, undefined);
    return milvus;
  };

  it('serves the emulator from a process of its own, seeded as asked', async () => {
    // Act
    emulator = await startEmulatorProcess({
      seedDemo: true,
      seed: {
        module: join(import.meta.dirname, 'support', 'seed-one-collection.ts'),
        input: { name: 'seeded' },
      },
    });
    const gateway = await connect(emulator.address);

    // Assess
    expect(emulator.pid).not.toBe(process.pid);
    expect(alive(emulator.pid)).toBe(true);
    // Its port counts as this process's: no emulator started here later takes it
    expect(usedPortList()).toContain(emulator.port);
    expect((await gateway.listCollections('default')).sort()).toEqual(
      expect.arrayContaining(['products', 'seeded', 'support_tickets']),
    );
  });

  it("keeps the run's clock: standing before the run begins, then at the run's scale", async () => {
    // Prepare: run time 1,000 times faster than real time, from a fixed start.
    const start = Date.parse('2031-03-09T03:00:00Z');
    const clock = new ScaledClock(0.001, start);
    emulator = await startEmulatorProcess({ clock, seedDemo: true });
    const gateway = await connect(emulator.address);
    const createdAt = async (name: string) => {
      await gateway.createSnapshot(PRODUCTS, name, '');
      return (await gateway.describeSnapshot(PRODUCTS, name)).createdAt.getTime();
    };

    // Act
    await new Promise((resolve) => setTimeout(resolve, 300));
    const beforeBegin = await createdAt('before');
    clock.begin();
    await clock.settled();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const afterBegin = await createdAt('after');
    const runNow = clock.now();

    // Assess: 300 real ms before the run took no run time; 300 after took about 300 run seconds.
    expect(beforeBegin).toBe(start);
    expect(afterBegin).toBeGreaterThanOrEqual(start + 300_000);
    expect(afterBegin).toBeLessThanOrEqual(runNow);
  });

  it('stops its process, and stopping again is fine', async () => {
    // Prepare
    emulator = await startEmulatorProcess();
    const { pid } = emulator;

    // Act
    await emulator.stop();
    await emulator.stop();

    // Assess
    expect(alive(pid)).toBe(false);
  });

  it("ends when the runner's process goes away without stopping it", async () => {
    // Prepare: a runner that starts an emulator process, says its pid, and dies at once.
    const runner = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { startEmulatorProcess } = await import(${JSON.stringify(join(import.meta.dirname, '..', '..', 'local', 'emulator-process.ts'))});
         const emulator = await startEmulatorProcess();
         process.stdout.write(String(emulator.pid) + '\\n');
         process.kill(process.pid, 'SIGKILL');`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    runner.stdout.on('data', (d) => {
      out += String(d);
    });
    await new Promise((resolve) => runner.once('exit', resolve));
    const pid = Number(out.trim());

    // Act & Assess
    expect(pid).toBeGreaterThan(0);
    expect(await until(() => !alive(pid), 10_000)).toBe(true);
  });

  it("fails with the emulator's own error when it cannot start", async () => {
    // Act & Assess
    await expect(startEmulatorProcess({ token: '' })).rejects.toMatchObject({
      name: 'EmulatorOptionsError',
      message: expect.stringContaining('token must not be empty'),
    });
  });
});
