/**
 * Policy comparison: the same scenario, run once per retry policy in the virtual world (same
 * seed, same faults, same traffic), one row per policy.
 *
 * @module
 */

import type { PolicyFunction, PolicySpec } from '../appliance/policy.js';
import { InvalidOptionError } from '../core/errors.js';
import { runScenario, type RunScenarioOptions } from './run-scenario.js';
import { resolveScenario, type Scenario } from './scenario.js';
import { within } from './scenario-error.js';
import { resolvePolicy } from '../appliance/policy.js';

/** One row of a comparison. */
export interface PolicyComparisonRow {
  /** The policy's label (the text as given, or the resolved name). */
  readonly policy: string;
  readonly generated: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly lostInFlight: number;
  readonly duplicated: number;
  readonly pending: number;
  /** Median delivery delay, ms (`null` when nothing was delivered). */
  readonly delayP50Ms: number | null;
  /** 99th percentile delivery delay, ms. */
  readonly delayP99Ms: number | null;
  readonly networkErrors: number;
  readonly alerts: number;
  /** Whether the scenario's expectations held under this policy. */
  readonly passed: boolean;
}

/** Options of {@link compareScenario}: those of `runScenario` that make sense for a comparison. */
export type CompareScenarioOptions = Pick<RunScenarioOptions, 'signal'> & {
  /**
   * Called after each policy's run, with its row.
   * @default undefined
   */
  onRow?: (row: PolicyComparisonRow) => void;
};

/**
 * Runs `scenario` once per policy, in the virtual world, and returns one row per policy.
 *
 * @param policies - policies as `--policy` texts, specs or functions. @default the scenario's `policies`
 * @throws InvalidOptionError `ESA_ERR_INVALID_OPTION` naming `policies[i]` for a bad policy; what `runScenario` throws.
 * @example
 * ```ts
 * const rows = await compareScenario(loadScenario('ips-reset'), ['esa', 'retry:retries=5', 'buffer:max=1000']);
 * console.table(rows);
 * ```
 */
export async function compareScenario(
  scenario: Scenario,
  policies?: readonly (PolicySpec | PolicyFunction | string)[],
  options: CompareScenarioOptions = {},
): Promise<PolicyComparisonRow[]> {
  const resolved = typeof (scenario as Scenario).startMs === 'number' ? scenario : resolveScenario(scenario);
  const list: readonly (PolicySpec | PolicyFunction | string)[] = policies ?? resolved.policies.map((policy) => policy.spec);
  if (!Array.isArray(list) || list.length === 0) throw new InvalidOptionError('policies', policies, 'a list of at least one policy');
  list.forEach((policy, index) => within('', () => resolvePolicy(policy, `policies[${index}]`)));
  const rows: PolicyComparisonRow[] = [];
  for (const policy of list) {
    const result = await runScenario(resolved, { policy, world: 'virtual', ...(options.signal ? { signal: options.signal } : {}) });
    const { summary } = result;
    const row: PolicyComparisonRow = {
      policy: result.policy,
      generated: summary.generated,
      delivered: summary.delivered,
      dropped: summary.dropped,
      lostInFlight: summary.lostInFlight,
      duplicated: summary.duplicated,
      pending: summary.pending,
      delayP50Ms: summary.delay.p50Ms,
      delayP99Ms: summary.delay.p99Ms,
      networkErrors: summary.networkErrors,
      alerts: summary.alerts,
      passed: result.passed,
    };
    rows.push(row);
    options.onRow?.(row);
  }
  return rows;
}
