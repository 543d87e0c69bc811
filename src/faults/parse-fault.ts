/**
 * The `--fault` text form of a fault, as the CLI and scenario files write it, and its canonical
 * formatting.
 *
 * ```
 * TYPE[=VALUE][@WRAPPER]…
 *
 * reset-after-bytes=N    reset-after-messages=N   reset-on-connect   refuse
 * busy=N                 close-after-messages=N   idle-timeout=T     stall
 * latency=T[~J]          bandwidth=B[/s]          drop=P             truncate=N
 *
 * wrappers (any order, each at most once):
 *   @FROM-UNTIL   active in the window [FROM, UNTIL) after the start: @10s-40s, @10s- (from 10s
 *                 on), @-40s (until 40s); durations need a unit (ms, s, m, h, d)
 *   @first=N      only the first N connections (datagrams: distinct peers), then healed
 *   @p=P          applies with probability P (0…1 or a percentage: 0.5, 50%); not on drop,
 *                 whose value is already its rate
 * ```
 *
 * N counts are whole numbers (bytes also take sizes: `4k`); T and J are durations with a unit
 * (`200ms`, `5m`); B is bytes per second with binary multiples (`10k` = 10240); P a probability.
 * docs/faults.md has the table and examples.
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import { FAULT_TYPES, formatSpecWith, type Fault } from './fault.js';
import { FAULT_DEFINITIONS, faultDefinition, isFaultType, resolveFaultSpec, type FaultSpec } from './spec.js';

/**
 * What users may write where a fault is expected: a spec object, or its `--fault` text
 * (`"reset-after-bytes=412@first=1"`).
 */
export type FaultInput = FaultSpec | string;

/** The CLI form of every fault, in table order (`reset-after-bytes=N`, `refuse`, …). */
export const FAULT_CLI_FORMS: readonly string[] = Object.freeze(FAULT_TYPES.map((type) => FAULT_DEFINITIONS[type].cliForm));

/** The wrapper forms, for help texts. */
export const FAULT_WRAPPER_FORMS = '@FROM-UNTIL (e.g. @10s-40s, @10s-, @-40s), @first=N, @p=P';

const typeExpectation = `one of ${FAULT_CLI_FORMS.join(', ')}, optionally followed by ${FAULT_WRAPPER_FORMS}`;

const wrapperHelp: Readonly<Record<string, string>> = {
  firstConnections: 'a fault followed by @first=N with N a whole number of connections ≥ 1 (e.g. refuse@first=3)',
  probability: 'a fault followed by @p=P with P a probability from 0 to 1 (e.g. reset-on-connect@p=0.5 or @p=50%)',
  activeFromMs:
    'a fault followed by @FROM-UNTIL with durations that have a unit and FROM before UNTIL (e.g. refuse@10s-40s, refuse@10s-, refuse@-40s)',
};

/**
 * Parses the `--fault` text of one fault into a resolved {@link FaultSpec}.
 *
 * @param text - e.g. `reset-after-bytes=412`, `latency=200ms~50ms`, `refuse@10s-40s`,
 * `reset-on-connect@first=2@p=0.5` (the syntax is in this module's doc and docs/faults.md).
 * @param option - how the flag is named in error messages. @default '--fault'
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) with `option` set to `option`, the text as
 * `value`, and a message that names what is allowed:
 * `--fault must be one of reset-after-bytes=N, …; got "reset-after=3"`,
 * `--fault must be reset-after-bytes=N with N a whole number of bytes ≥ 0 (…); got "reset-after-bytes=abc"`.
 * @example
 * ```ts
 * parseFault('reset-after-bytes=412@first=1'); // { type: 'reset-after-bytes', bytes: 412, firstConnections: 1 }
 * parseFault('latency=200ms~50ms');            // { type: 'latency', latencyMs: 200, jitterMs: 50 }
 * ```
 */
export function parseFault(text: string, option = '--fault'): FaultSpec {
  if (typeof text !== 'string') throw new InvalidOptionError(option, text, typeExpectation);
  const [head = '', ...wrappers] = text.trim().split('@');
  const equals = head.indexOf('=');
  const type = (equals < 0 ? head : head.slice(0, equals)).trim().toLowerCase();
  const value = equals < 0 ? undefined : head.slice(equals + 1).trim();
  if (!isFaultType(type)) throw new InvalidOptionError(option, text, typeExpectation);
  const definition = faultDefinition(type);
  const valueHelp = `${definition.cliForm} with ${definition.cliValueHelp ?? ''}`;
  if (definition.fields.length === 0 && value !== undefined) {
    throw new InvalidOptionError(option, text, `${definition.cliForm} (it takes no value), optionally followed by ${FAULT_WRAPPER_FORMS}`);
  }
  if (definition.fields.length > 0 && (value === undefined || value === '')) {
    throw new InvalidOptionError(option, text, valueHelp);
  }
  const raw: Record<string, unknown> = { type, ...definition.parseValue(value) };
  for (const part of wrappers) parseWrapper(part.trim(), raw, text, option, definition.ownsProbability === true, valueHelp);
  try {
    return resolveFaultSpec(raw, option);
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error;
    const field = error.option.slice(option.length + 1);
    const help = definition.fields.includes(field) ? valueHelp : (wrapperHelp[field] ?? wrapperHelp.activeFromMs);
    throw new InvalidOptionError(option, text, help as string, { cause: error });
  }
}

function parseWrapper(
  part: string,
  raw: Record<string, unknown>,
  text: string,
  option: string,
  ownsProbability: boolean,
  valueHelp: string,
): void {
  const set = (field: string, value: unknown, help: string): void => {
    if (raw[field] !== undefined) throw new InvalidOptionError(option, text, `${help}, each wrapper at most once`);
    raw[field] = value;
  };
  const lower = part.toLowerCase();
  if (lower.startsWith('first=')) {
    set('firstConnections', part.slice(6).trim(), wrapperHelp.firstConnections as string);
  } else if (lower.startsWith('p=')) {
    if (ownsProbability) throw new InvalidOptionError(option, text, valueHelp);
    set('probability', part.slice(2).trim(), wrapperHelp.probability as string);
  } else if (/^[^-]*-[^-]*$/.test(part) && part !== '-') {
    const dash = part.indexOf('-');
    const from = part.slice(0, dash).trim();
    const until = part.slice(dash + 1).trim();
    if (raw.activeFromMs !== undefined || raw.activeUntilMs !== undefined) {
      throw new InvalidOptionError(option, text, `${wrapperHelp.activeFromMs as string}, each wrapper at most once`);
    }
    if (from === '' && until === '') throw new InvalidOptionError(option, text, wrapperHelp.activeFromMs as string);
    // The CLI insists on units (a bare 10 is ambiguous); a number in a spec object means ms.
    for (const bound of [from, until]) {
      if (bound !== '' && !/[a-z]$/i.test(bound)) throw new InvalidOptionError(option, text, wrapperHelp.activeFromMs as string);
    }
    if (from !== '') raw.activeFromMs = from;
    if (until !== '') raw.activeUntilMs = until;
  } else {
    throw new InvalidOptionError(
      option,
      text,
      `a fault optionally followed by ${FAULT_WRAPPER_FORMS} (unknown wrapper "@${part}")`,
    );
  }
}

/**
 * The canonical `--fault` text of a spec (validated first): wrappers in the order window,
 * `first`, `p`; durations in the largest exact unit (`40s`, `1500ms`); bandwidth in binary
 * multiples (`10k`). `parseFault(formatFault(spec))` equals the resolved spec.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for an invalid spec.
 * @example
 * ```ts
 * formatFault({ type: 'refuse', activeFromMs: 10_000, activeUntilMs: 40_000 }); // 'refuse@10s-40s'
 * ```
 */
export function formatFault(spec: FaultSpec): string {
  const resolved = resolveFaultSpec(spec, 'fault');
  return formatSpecWith(faultDefinition(resolved.type), resolved);
}

/**
 * Resolves a fault given either way: a spec object ({@link resolveFaultSpec}) or its `--fault`
 * text ({@link parseFault}), naming `path` in error messages.
 *
 * @param path - @default 'fault'
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`).
 */
export function resolveFaultInput(input: unknown, path = 'fault'): FaultSpec {
  return typeof input === 'string' ? parseFault(input, path) : resolveFaultSpec(input, path);
}

/**
 * Resolves a list of faults, each a spec object or a `--fault` text (`faults[0]`, `faults[1]`…
 * in messages).
 *
 * @param path - the list's name in error messages. @default 'faults'
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`).
 */
export function resolveFaultInputs(inputs: unknown, path = 'faults'): readonly FaultSpec[] {
  if (!Array.isArray(inputs)) {
    throw new InvalidOptionError(path, inputs, 'an array of fault specs or --fault strings (e.g. ["refuse@10s-40s"])');
  }
  return Object.freeze(inputs.map((input: unknown, index) => resolveFaultInput(input, `${path}[${index}]`)));
}

/** Builds the runtime fault of a spec object or `--fault` text. */
export function buildFault(input: FaultInput, path = 'fault'): Fault<FaultSpec> {
  const spec = resolveFaultInput(input, path);
  return faultDefinition(spec.type).create(spec);
}
