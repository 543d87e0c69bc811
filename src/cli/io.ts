/**
 * What the CLI reads and writes: the `io` object `runCli` takes (so it runs without a child
 * process in tests) and the exit codes.
 *
 * @module
 */

import type { Clock } from '../clock/clock.js';

/** A writable text stream (`process.stdout`, or a capture in tests). */
export interface CliWritable {
  write(text: string): unknown;
  /** Whether it is a terminal: progress lines are shown only then. */
  isTTY?: boolean;
}

/** Where the CLI writes, and what it reads from its environment. */
export interface CliIo {
  /** Normal output (human lines or NDJSON). */
  stdout: CliWritable;
  /** Errors and diagnostics (one line per error). */
  stderr: CliWritable;
  /**
   * Environment variables.
   * @default {}
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Aborts a running command (`bin.ts` wires SIGINT and SIGTERM to it): `serve` and `push` stop,
   * print their summary and exit 0.
   * @default undefined (runs until done or `--duration`)
   */
  signal?: AbortSignal;
  /**
   * The clock of real-time commands (`push`, `serve`, `demo`): tests may pass a `VirtualClock`.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * The directory relative paths (`--out`, `--pcap`, scenario files) are resolved against.
   * @default the process's working directory
   */
  cwd?: string;
}

/** Exit codes: 0 done (network errors are results), 1 failure, 2 usage or invalid option. */
export type ExitCode = 0 | 1 | 2;
