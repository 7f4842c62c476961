import { cwd, stderr, stdin, stdout } from 'node:process';
import { runCli } from '../cli/program';

// exitCode rather than process.exit(): let stdout drain before the process ends.
process.exitCode = await runCli(process.argv.slice(2), { stdin, stdout, stderr, cwd: cwd() });
