import type { FlagSpec, ParsedArgs } from './args.js';
import type { CliIo, ExitCode } from './io.js';
export const RUN_FLAGS: readonly FlagSpec[] = [{ name: 'json', kind: 'boolean' }];
export const COMPARE_FLAGS: readonly FlagSpec[] = [{ name: 'json', kind: 'boolean' }];
export const SCENARIOS_FLAGS: readonly FlagSpec[] = [{ name: 'json', kind: 'boolean' }];
export async function runRun(_args: ParsedArgs, _io: CliIo): Promise<ExitCode> { return 1; }
export async function runCompare(_args: ParsedArgs, _io: CliIo): Promise<ExitCode> { return 1; }
export async function runScenarios(_args: ParsedArgs, _io: CliIo): Promise<ExitCode> { return 1; }
