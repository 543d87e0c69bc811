#!/usr/bin/env node
/**
 * The `esa-logsim` command. The only file that touches `process`: argv, stdout/stderr, the exit
 * code, and SIGINT/SIGTERM, which abort the running command (it stops, prints its summary and
 * exits 0). A second signal exits at once; a closed stdout pipe ends it quietly.
 */
import { runCli } from './cli/run-cli.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  signals++;
  if (signals > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
  controller.abort(new Error(`received ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// A closed pipe (`esa-logsim demo | head`): stop quietly, as command-line tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
  cwd: process.cwd(),
});
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
process.exitCode = exitCode;
