/**
 * Runs `runCli` in-process with captured stdout/stderr, and reads its NDJSON output.
 */
import { runCli, type CliIo, type ExitCode } from '../../src/cli/run-cli.js';

export interface CliRun {
  /** The exit code, once it resolved. */
  readonly done: Promise<ExitCode>;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** stdout parsed as NDJSON (every line must be JSON). */
  events(): Record<string, unknown>[];
  /** Aborts the run (what SIGINT does). */
  abort(): void;
}

/** Starts `esa-logsim ...argv` in-process. */
export function startCli(argv: readonly string[], io: Partial<CliIo> = {}): CliRun {
  let out = '';
  let err = '';
  const controller = new AbortController();
  const done = runCli(argv, {
    stdout: { write: (text: string) => (out += text), isTTY: false },
    stderr: { write: (text: string) => (err += text) },
    signal: controller.signal,
    ...io,
  });
  return {
    done,
    stdout: () => out,
    stderr: () => err,
    events: () =>
      out
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    abort: () => controller.abort(),
  };
}

/** Runs `esa-logsim ...argv` to its end. */
export async function cli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<{ code: ExitCode; stdout: string; stderr: string; events: () => Record<string, unknown>[] }> {
  const run = startCli(argv, io);
  const code = await run.done;
  return { code, stdout: run.stdout(), stderr: run.stderr(), events: run.events };
}

/** Polls `condition` on the event loop until it holds (bounded). */
export async function eventually(condition: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Starts `serve --json --port 0 …` and resolves with its run and port once it listens. */
export async function startServe(args: readonly string[]): Promise<{ run: CliRun; port: number }> {
  const run = startCli(['serve', '--json', '--port', '0', ...args]);
  await eventually(() => run.stdout().includes('\n') || run.stderr().length > 0, 'serve to listen');
  const first = run.events()[0];
  if (first?.type !== 'listening') throw new Error(`serve did not listen: ${run.stderr()}${run.stdout()}`);
  return { run, port: first.port as number };
}
