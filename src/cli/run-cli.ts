/**
 * The command-line interface, callable without a child process: `runCli(argv, io)`.
 *
 * @module
 */

import { VERSION } from '../core/version.js';

/** Where the CLI writes, and what it reads from its environment. */
export interface CliIo {
  /** Normal output. */
  stdout: { write(text: string): unknown; isTTY?: boolean };
  /** Errors and diagnostics. */
  stderr: { write(text: string): unknown };
  /** Environment variables. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Exit codes: 0 done, 1 failure, 2 usage or invalid option. */
export type ExitCode = 0 | 1 | 2;

/**
 * Runs the CLI with `argv` (without the node and script names) and resolves with the exit code.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [command] = argv;
  if (command === '--version' || command === '-V') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h') {
    io.stdout.write(`esa-logsim ${VERSION}\n\nUsage: esa-logsim --version | --help\n(commands are being built)\n`);
    return 0;
  }
  io.stderr.write(`esa-logsim: unknown command "${command}"; run esa-logsim --help\n`);
  return 2;
}
