/**
 * Loading scenarios: by built-in name, from a JSON file, from JSON text, or from an object.
 *
 * @module
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { EsaError, InvalidOptionError } from '../core/errors.js';
import { BUILT_IN_SCENARIO_INPUTS } from './library/index.js';
import { MAX_SCENARIO_TEXT_CHARS, parseJsonSource } from './json-source.js';
import { resolveScenario, type Scenario } from './scenario.js';
import { scenarioError } from './scenario-error.js';

/** A built-in scenario. */
export interface BuiltInScenario {
  /** Its name (`ips-reset`…): what `esa-logsim run <name>` takes. */
  readonly name: string;
  /** One line for `esa-logsim scenarios`. */
  readonly description: string;
  /** The validated scenario. */
  readonly scenario: Scenario;
}

/**
 * The built-in scenarios, the seed (`ips-reset`) first. Each reproduces a field case and carries
 * expectations, so each is also a regression test.
 */
export const BUILT_IN_SCENARIOS: readonly BuiltInScenario[] = Object.freeze(
  BUILT_IN_SCENARIO_INPUTS.map((input) => {
    const scenario = resolveScenario(input);
    return Object.freeze({ name: scenario.name, description: scenario.description, scenario });
  }),
);

/** The names of the built-in scenarios. */
export const BUILT_IN_SCENARIO_NAMES: readonly string[] = Object.freeze(BUILT_IN_SCENARIOS.map((entry) => entry.name));

/** Options of {@link loadScenario}. */
export interface LoadScenarioOptions {
  /**
   * The directory a relative file path is read from.
   * @default the current working directory
   */
  baseDir?: string;
}

/**
 * Loads and validates a scenario.
 *
 * @param input - a built-in name (`ips-reset`), a path to a JSON file (`./outage.json`), JSON text
 * (starting with `{`), or a scenario document as an object.
 * @throws EsaError `ESA_ERR_UNKNOWN_SCENARIO` for a name that is neither a built-in nor a file
 * (the message lists the built-ins); InvalidOptionError / EsaError `ESA_ERR_INVALID_SCENARIO` for
 * malformed JSON (with line and column) or an invalid document (with the JSON path, and the line
 * and column for a file).
 * @example
 * ```ts
 * const seed = loadScenario('ips-reset');
 * const mine = loadScenario('scenarios/outage.json');
 * const inline = loadScenario({ name: 'outage', receiver: { faults: ['refuse@10s-40s'] } });
 * ```
 */
export function loadScenario(input: string | object, options: LoadScenarioOptions = {}): Scenario {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'an object { baseDir }');
  for (const key of Object.keys(options)) {
    if (key !== 'baseDir') throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], 'not set (unknown option; known: baseDir)');
  }
  if (options.baseDir !== undefined && typeof options.baseDir !== 'string') throw new InvalidOptionError('baseDir', options.baseDir, 'a directory path');
  if (typeof input === 'object' && input !== null) return resolveScenario(input);
  if (typeof input !== 'string' || input.trim() === '') {
    throw new InvalidOptionError('scenario', input, `a built-in name (${BUILT_IN_SCENARIO_NAMES.join(', ')}), a JSON file path or a scenario object`);
  }
  const text = input.trim();
  const builtIn = BUILT_IN_SCENARIOS.find((entry) => entry.name === text);
  if (builtIn) return builtIn.scenario;
  if (text.startsWith('{')) {
    const source = parseJsonSource(text, 'scenario');
    return resolveScenario(source.value, { source });
  }
  const path = isAbsolute(text) ? text : resolve(options.baseDir ?? '.', text);
  if (!existsSync(path)) {
    const looksLikeFile = /[\\/]|\.json$/i.test(text);
    throw new EsaError(
      'ESA_ERR_UNKNOWN_SCENARIO',
      looksLikeFile
        ? `scenario file ${text} does not exist (resolved to ${path})`
        : `unknown scenario "${text}": the built-in scenarios are ${BUILT_IN_SCENARIO_NAMES.join(', ')} (or give a path to a JSON file)`,
    );
  }
  return loadScenarioFile(path, text);
}

function loadScenarioFile(path: string, shownAs: string): Scenario {
  let content: string;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw scenarioError(`${shownAs} is not a file`);
    if (stats.size > MAX_SCENARIO_TEXT_CHARS * 4) throw scenarioError(`${shownAs} is ${stats.size} bytes long; a scenario file may hold at most ${MAX_SCENARIO_TEXT_CHARS} characters`);
    content = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof EsaError) throw error;
    throw scenarioError(`cannot read the scenario file ${shownAs}: ${(error as Error).message}`, error);
  }
  const source = parseJsonSource(content, shownAs);
  return resolveScenario(source.value, { source, path });
}
