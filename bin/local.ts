import { runLocalCommand } from '../local/local-command';

process.exitCode = await runLocalCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
