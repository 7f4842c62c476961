import { env, stderr, stdout } from 'node:process';
import { logVerbosity, setLogVerbosity } from '@grpc/grpc-js';
import { runEmulatorCli } from '../emulator/emulator-cli';

// The CLI says what went wrong in one line of its own; grpc-js would print it raw as well
// (a taken port: "E No address added out of total 1 resolved").
setLogVerbosity(logVerbosity.NONE);

const stopRequested = new Promise<string>((resolve) => {
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
});

// exitCode rather than process.exit(): let stdout drain before the process ends.
process.exitCode = await runEmulatorCli(process.argv.slice(2), { stdout, stderr, env, stopRequested });
