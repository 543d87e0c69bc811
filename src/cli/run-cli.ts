/**
 * The command-line interface, callable without a child process: `runCli(argv, io)`.
 *
 * Commands, flags, `--json` event types and exit codes are a contract (DESIGN's CLI section):
 * `demo`, `push`, `serve`, `run`, `compare`, `scenarios`, `help`; exit 0 done, 1 failure, 2 usage
 * or invalid option with a one-line message naming the flag and what is allowed.
 *
 * @module
 */

import { EsaError, InvalidOptionError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { closest, parseArgv, usageError, type FlagSpec, type ParsedArgs } from './args.js';
import { DEMO_FLAGS, runDemo } from './demo.js';
import { COMMANDS, commandHelp, overviewHelp, type CommandName } from './help.js';
import type { CliIo, ExitCode } from './io.js';
import { PUSH_FLAGS, runPush } from './push.js';
import { COMPARE_FLAGS, RUN_FLAGS, SCENARIOS_FLAGS, runCompare, runRun, runScenarios } from './scenario-commands.js';
import { SERVE_FLAGS, runServe } from './serve.js';

export type { CliIo, CliWritable, ExitCode } from './io.js';

interface Command {
  readonly flags: readonly FlagSpec[];
  readonly positionals: number;
  readonly run: (args: ParsedArgs, io: CliIo) => Promise<ExitCode>;
}

const RUNNERS: Readonly<Record<Exclude<CommandName, 'help'>, Command>> = {
  demo: { flags: DEMO_FLAGS, positionals: 0, run: runDemo },
  push: { flags: PUSH_FLAGS, positionals: 0, run: runPush },
  serve: { flags: SERVE_FLAGS, positionals: 0, run: runServe },
  run: { flags: RUN_FLAGS, positionals: 1, run: runRun },
  compare: { flags: COMPARE_FLAGS, positionals: 1, run: runCompare },
  scenarios: { flags: SCENARIOS_FLAGS, positionals: 0, run: runScenarios },
};

/** Error codes that mean "the input was wrong" (exit 2) rather than "it failed" (exit 1). */
const USAGE_CODES: ReadonlySet<string> = new Set(['ESA_ERR_USAGE', 'ESA_ERR_INVALID_OPTION', 'ESA_ERR_INVALID_SCENARIO', 'ESA_ERR_UNKNOWN_SCENARIO']);

/**
 * Runs the CLI with `argv` (without the node and script names) and resolves with the exit code.
 * It never throws: errors are printed on `io.stderr` as one line.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const code = await runCli(['scenarios'], { stdout: { write: (t) => lines.push(t) }, stderr: { write: (t) => lines.push(t) } });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [first, ...rest] = argv;
  try {
    if (first === '--version' || first === '-V') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (first === '--help' || first === '-h') {
      io.stdout.write(overviewHelp(VERSION));
      return 0;
    }
    if (first === undefined) {
      io.stderr.write(overviewHelp(VERSION));
      return 2;
    }
    if (first === 'help') return help(rest, io);
    if (first.startsWith('-')) {
      throw usageError(`esa-logsim: unknown flag ${first} before the command (flags go after it, e.g. esa-logsim demo --json; run esa-logsim --help)`);
    }
    if (!Object.hasOwn(RUNNERS, first)) {
      const suggestion = closest(first, COMMANDS);
      throw usageError(`esa-logsim: unknown command "${first}" (${suggestion ? `did you mean ${suggestion}? ` : ''}commands: ${COMMANDS.join(', ')})`);
    }
    const name = first as Exclude<CommandName, 'help'>;
    const command = RUNNERS[name];
    if (wantsHelp(rest)) {
      io.stdout.write(commandHelp(name));
      return 0;
    }
    const args = parseArgv(name, rest, command.flags, command.positionals);
    return await command.run(args, io);
  } catch (error) {
    return report(error, first, io);
  }
}

function help(rest: readonly string[], io: CliIo): ExitCode {
  const [topic, extra] = rest;
  if (extra !== undefined) throw usageError(`esa-logsim help: takes one command name; got an extra "${extra}"`);
  if (topic === undefined) {
    io.stdout.write(overviewHelp(VERSION));
    return 0;
  }
  if (!(COMMANDS as readonly string[]).includes(topic)) {
    const suggestion = closest(topic, COMMANDS);
    throw usageError(`esa-logsim help: unknown command "${topic}" (${suggestion ? `did you mean ${suggestion}? ` : ''}commands: ${COMMANDS.join(', ')})`);
  }
  io.stdout.write(commandHelp(topic as CommandName));
  return 0;
}

/** Whether `-h`/`--help` appears among the flags (before a `--`). */
function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** Prints `error` as one line on stderr and picks the exit code. */
function report(error: unknown, command: string | undefined, io: CliIo): ExitCode {
  const where = command === undefined || command.startsWith('-') || !Object.hasOwn(RUNNERS, command) ? 'esa-logsim' : `esa-logsim ${command}`;
  let message: string;
  let code: ExitCode;
  if (error instanceof EsaError && error.code === 'ESA_ERR_ABORTED') {
    message = 'interrupted before the run ended';
    code = 1;
  } else if (error instanceof EsaError) {
    message = error.message;
    code = error instanceof InvalidOptionError || USAGE_CODES.has(error.code) ? 2 : 1;
  } else {
    message = `${error instanceof Error ? error.message : String(error)} (an unexpected error: please report it)`;
    code = 1;
  }
  const oneLine = message.replace(/\s*\n\s*/g, ' ').trim();
  io.stderr.write(`${oneLine.startsWith('esa-logsim') ? oneLine : `${where}: ${oneLine}`}\n`);
  return code;
}
