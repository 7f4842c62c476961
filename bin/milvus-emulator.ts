import { env, stderr, stdout } from 'node:process';
import { runEmulatorCli } from '../emulator/emulator-cli';

const stopRequested = new Promise<string>((resolve) => {
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
});

// exitCode rather than process.exit(): let stdout drain before the process ends.
process.exitCode = await runEmulatorCli(process.argv.slice(2), { stdout, stderr, env, stopRequested });
