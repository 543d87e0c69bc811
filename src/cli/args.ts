/**
 * The CLI's argument parser: `--flag value`, `--flag=value`, boolean and repeatable flags,
 * positionals, `--` — and usage errors that name the flag and what is allowed, with the closest
 * known flag suggested for a typo. Small on purpose (node:util `parseArgs` cannot suggest, and
 * its messages are not ours).
 *
 * @module
 */

import { EsaError } from '../core/errors.js';

/** One flag a command accepts. */
export interface FlagSpec {
  /** The long name without dashes (`protocol`). */
  readonly name: string;
  /** `string` takes a value, `boolean` takes none. */
  readonly kind: 'string' | 'boolean';
  /** May be given more than once (values collected in order). @default false */
  readonly repeatable?: boolean;
  /** A one-letter alias without the dash (`h`). */
  readonly short?: string;
}

/** What {@link parseArgv} found. */
export interface ParsedArgs {
  /** The last value of each single string flag. */
  readonly strings: ReadonlyMap<string, string>;
  /** Every value of each repeatable flag, in order. */
  readonly lists: ReadonlyMap<string, readonly string[]>;
  /** The boolean flags given. */
  readonly booleans: ReadonlySet<string>;
  /** The arguments that are not flags. */
  readonly positionals: readonly string[];
}

/**
 * A usage error (`ESA_ERR_USAGE`): an unknown command or flag, a missing value, a flag given
 * twice, a missing required flag. The CLI prints its message on one line and exits with code 2.
 */
export function usageError(message: string): EsaError {
  return new EsaError('ESA_ERR_USAGE', message);
}

/**
 * Parses `argv` against the flags of `command`.
 *
 * @param command - the command's name, for messages (`push`).
 * @param maxPositionals - how many non-flag arguments the command takes.
 * @throws EsaError `ESA_ERR_USAGE` naming the flag: unknown (with the closest known flag),
 * missing value, value given to a boolean flag, a single flag given twice, too many arguments.
 */
export function parseArgv(command: string, argv: readonly string[], specs: readonly FlagSpec[], maxPositionals = 0): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(spec.name, spec);
    if (spec.short) byName.set(spec.short, spec);
  }
  const strings = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  const where = command === '' ? 'esa-logsim' : `esa-logsim ${command}`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const isLong = arg.startsWith('--');
    const body = isLong ? arg.slice(2) : arg.slice(1);
    const equals = body.indexOf('=');
    const name = equals < 0 ? body : body.slice(0, equals);
    const inline = equals < 0 ? undefined : body.slice(equals + 1);
    const spec = byName.get(name);
    const shown = isLong ? `--${name}` : `-${name}`;
    if (!spec || (!isLong && spec.short !== name) || (isLong && spec.name !== name)) {
      const suggestion = closest(name, specs.map((known) => known.name));
      const hint = suggestion ? `did you mean --${suggestion}? ` : '';
      throw usageError(`${where}: unknown flag ${shown} (${hint}run ${where} --help for the flags)`);
    }
    if (spec.kind === 'boolean') {
      if (inline !== undefined) throw usageError(`${where}: --${spec.name} takes no value; got "${inline}"`);
      booleans.add(spec.name);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw usageError(`${where}: --${spec.name} needs a value (see ${where} --help)`);
      }
      value = next;
      i++;
    }
    if (spec.repeatable) {
      const list = lists.get(spec.name) ?? [];
      list.push(value);
      lists.set(spec.name, list);
    } else {
      if (strings.has(spec.name)) throw usageError(`${where}: --${spec.name} may be given once; got "${strings.get(spec.name)}" and "${value}"`);
      strings.set(spec.name, value);
    }
  }
  if (positionals.length > maxPositionals) {
    const extra = positionals[maxPositionals] as string;
    throw usageError(
      maxPositionals === 0
        ? `${where}: takes no arguments; got "${extra}" (run ${where} --help)`
        : `${where}: takes ${maxPositionals} argument${maxPositionals === 1 ? '' : 's'}; got an extra "${extra}" (run ${where} --help)`,
    );
  }
  return { strings, lists, booleans, positionals };
}

/**
 * The candidate closest to `input` (edit distance, or a prefix match), or `undefined` when none
 * is close enough to be a likely typo.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = candidate.startsWith(needle) && needle.length >= 2 ? 0.5 : editDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(needle.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Levenshtein distance (small strings only: flag and command names). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
    }
    previous = current;
  }
  return previous[b.length] as number;
}
