import { runLocalCommand } from '../local/local-command';

const code = await runLocalCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  onInterrupt: (listener) => {
    process.on('SIGINT', listener);
    return () => process.off('SIGINT', listener);
  },
});
// Let stdout drain, then end: an abandoned run (a second Ctrl-C) may still hold timers and sockets.
process.stdout.write('', () => process.exit(code));
