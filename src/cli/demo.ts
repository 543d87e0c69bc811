import type { FlagSpec, ParsedArgs } from './args.js';
import type { CliIo, ExitCode } from './io.js';
export const DEMO_FLAGS: readonly FlagSpec[] = [{ name: 'json', kind: 'boolean' }];
export async function runDemo(_args: ParsedArgs, _io: CliIo): Promise<ExitCode> { return 1; }
