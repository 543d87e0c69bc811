#!/usr/bin/env node
/**
 * The `esa-logsim` command. The only file that touches `process`.
 */
import { runCli } from './cli/run-cli.js';

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
process.exitCode = exitCode;
