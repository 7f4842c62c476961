import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultPlan } from '../emulator';
import { PROJECT_ROOT } from './bench-world';

/** An emulator in a process of its own, as Milvus is a server of its own. */
export interface EmulatorProcess {
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * Starts `milvus-emulator` (the CLI, on the system clock) in a child process with a fault plan, so
 * that its work does not share the runner's event loop.
 */
export async function startEmulatorProcess(faults: FaultPlan): Promise<EmulatorProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-emulator-'));
  const plan = join(dir, 'faults.json');
  writeFileSync(plan, JSON.stringify(faults));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'bin', 'milvus-emulator.ts'), '--port', '0', '--faults', plan],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the emulator did not start: ${err}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += String(d);
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}): ${err}`));
    });
  });
  return {
    address,
    stop: async () => {
      child.kill('SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
