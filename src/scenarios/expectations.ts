/**
 * Expectations: what must come out of a scenario, so that a scenario doubles as a regression
 * test. The vocabulary is the summary's own field names — `networkErrors`, `lostInFlight`,
 * `droppedByReason.network-error`, `networkErrorsByCause.ESA_ERR_CONNECT_TIMEOUT`,
 * `receiver.oversize`, `delay.p99Ms`… — each bound by an exact number or a `{ min, max }` range.
 *
 * @module
 */

import { NETWORK_ERROR_CODES } from '../core/errors.js';
import { DROP_REASONS } from '../core/ledger.js';
import { childPath } from './json-source.js';
import type { ScenarioSummary } from './result.js';
import { invalidScenario } from './scenario-error.js';

/** How an expectation is written: an exact count, or bounds (`{ "min": 1 }`, `{ "max": 0 }`, `{ "min": 10, "max": 20 }`). */
export type ExpectationInput = number | { readonly min?: number; readonly max?: number };

/** A validated expectation. */
export interface Expectation {
  /** The summary field it checks (`networkErrors`, `receiver.oversize`…). */
  readonly name: string;
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
}

/** How an expectation fared. */
export interface ExpectationResult {
  /** The summary field. */
  readonly name: string;
  /** Whether the actual value is within the bounds (a `null` value never is). */
  readonly ok: boolean;
  /** The bounds. */
  readonly expected: { readonly min?: number; readonly max?: number };
  /** The value the run produced (`null` when the summary has none, e.g. no delay measured). */
  readonly actual: number | null;
  /** One line for people: `networkErrors ≥ 1: got 2`. */
  readonly text: string;
}

const TOP_FIELDS = [
  'generated',
  'delivered',
  'dropped',
  'lostInFlight',
  'duplicated',
  'pending',
  'networkErrors',
  'alerts',
  'alertsSuppressed',
  'logfiles',
  'reconnectLogfiles',
  'pushes',
  'connections',
  'faults',
] as const;

/** The receiver counters a scenario reports. */
export const RECEIVER_SUMMARY_FIELDS = [
  'messages',
  'bytes',
  'connectionsAccepted',
  'connectionsReset',
  'oversize',
  'truncated',
  'parseErrors',
  'datagramsDropped',
] as const;

/** Every name an expectation may check. */
export const EXPECTATION_NAMES: readonly string[] = Object.freeze([
  ...TOP_FIELDS,
  ...DROP_REASONS.map((reason) => `droppedByReason.${reason}`),
  ...NETWORK_ERROR_CODES.map((code) => `networkErrorsByCause.${code}`),
  'delay.p50Ms',
  'delay.p99Ms',
  'delay.maxMs',
  ...RECEIVER_SUMMARY_FIELDS.map((field) => `receiver.${field}`),
]);

const MAX_BOUND = Number.MAX_SAFE_INTEGER;

function bound(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_BOUND) {
    throw invalidScenario(path, value, 'a number ≥ 0');
  }
  return value;
}

/**
 * Validates the `expect` object of a scenario.
 *
 * @param path - its path in messages. @default 'expect'
 * @throws InvalidOptionError `ESA_ERR_INVALID_SCENARIO` naming `expect.<name>` (an unknown name
 * lists the known ones).
 */
export function resolveExpectations(input: unknown, path = 'expect'): Expectation[] {
  if (input === undefined) return [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidScenario(path, input, 'an object mapping summary fields to a number or { "min": …, "max": … } (e.g. { "networkErrors": { "min": 1 } })');
  }
  return Object.entries(input).map(([name, value]) => {
    const at = childPath(path, name);
    if (!EXPECTATION_NAMES.includes(name)) {
      throw invalidScenario(at, value, `left out: ${name} is not a summary field (known: ${EXPECTATION_NAMES.join(', ')})`);
    }
    if (typeof value === 'number') {
      const exact = bound(at, value);
      return { name, min: exact, max: exact };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidScenario(at, value, 'a number (exactly) or { "min": N, "max": N }');
    }
    for (const key of Object.keys(value)) {
      if (key !== 'min' && key !== 'max') throw invalidScenario(`${at}.${key}`, (value as Record<string, unknown>)[key], 'left out (an expectation has min and max)');
    }
    const { min, max } = value as { min?: unknown; max?: unknown };
    if (min === undefined && max === undefined) throw invalidScenario(at, value, 'a number or an object with min, max or both');
    const low = min === undefined ? undefined : bound(`${at}.min`, min);
    const high = max === undefined ? undefined : bound(`${at}.max`, max);
    if (low !== undefined && high !== undefined && low > high) throw invalidScenario(`${at}.max`, high, `a number ≥ min (${low})`);
    return { name, ...(low === undefined ? {} : { min: low }), ...(high === undefined ? {} : { max: high }) };
  });
}

/** The value of summary field `name` (`receiver.oversize`), or `null`. */
export function summaryValue(summary: ScenarioSummary, name: string): number | null {
  const dot = name.indexOf('.');
  if (dot < 0) {
    const value = (summary as unknown as Record<string, unknown>)[name];
    return typeof value === 'number' ? value : null;
  }
  const group = (summary as unknown as Record<string, unknown>)[name.slice(0, dot)];
  if (typeof group !== 'object' || group === null) return null;
  const value = (group as Record<string, unknown>)[name.slice(dot + 1)];
  if (value === undefined && name.startsWith('networkErrorsByCause.')) return 0;
  return typeof value === 'number' ? value : null;
}

/** Checks every expectation against a summary. */
export function checkExpectations(expectations: readonly Expectation[], summary: ScenarioSummary): ExpectationResult[] {
  return expectations.map((expectation) => {
    const actual = summaryValue(summary, expectation.name);
    const { min, max } = expectation;
    const ok = actual !== null && (min === undefined || actual >= min) && (max === undefined || actual <= max);
    const expected = { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
    return { name: expectation.name, ok, expected, actual, text: `${expectation.name} ${describeBounds(expectation)}: got ${actual ?? 'nothing'}` };
  });
}

/** `= 3`, `≥ 1`, `≤ 0`, `from 10 to 20`. */
export function describeBounds(expectation: { readonly min?: number; readonly max?: number }): string {
  const { min, max } = expectation;
  if (min !== undefined && max !== undefined) return min === max ? `= ${min}` : `from ${min} to ${max}`;
  if (min !== undefined) return `≥ ${min}`;
  return `≤ ${max ?? 0}`;
}
