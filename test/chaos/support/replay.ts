/**
 * Which chaos runs to make, and the one command that replays a failed one.
 *
 * - `ESA_CHAOS_SEED=<n>`: run only seed n (with `ESA_CHAOS_POLICY`, only that policy).
 * - `ESA_CHAOS_POLICY=esa|retry|buffer`: the policy of the runs, whatever file runs them.
 * - `ESA_CHAOS_RUNS=<n>`: how many seeds (1…n) instead of the default of each suite.
 */
import { CHAOS_POLICIES, type ChaosPolicy } from './world.js';

function positiveInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer; got ${JSON.stringify(text)}`);
  return value;
}

/** The seeds to run: `ESA_CHAOS_SEED` alone, or 1…`ESA_CHAOS_RUNS` (default `defaultRuns`). */
export function chaosSeeds(defaultRuns: number): number[] {
  const seed = positiveInteger('ESA_CHAOS_SEED');
  if (seed !== undefined) return [seed];
  const runs = positiveInteger('ESA_CHAOS_RUNS') ?? defaultRuns;
  return Array.from({ length: runs }, (_, i) => i + 1);
}

/** The policy a suite runs: `ESA_CHAOS_POLICY` when set, else `fallback` (a function of the seed, or one policy). */
export function chaosPolicy(fallback: ChaosPolicy | ((seed: number) => ChaosPolicy), seed: number): ChaosPolicy {
  const text = process.env.ESA_CHAOS_POLICY;
  if (text !== undefined && text !== '') {
    if (!(CHAOS_POLICIES as readonly string[]).includes(text)) throw new Error(`ESA_CHAOS_POLICY must be one of ${CHAOS_POLICIES.join(', ')}; got ${JSON.stringify(text)}`);
    return text as ChaosPolicy;
  }
  return typeof fallback === 'function' ? fallback(seed) : fallback;
}

/** The command that runs exactly this case again. */
export function replayCommand(seed: number, policy: ChaosPolicy, file: string): string {
  return `ESA_CHAOS_SEED=${seed} ESA_CHAOS_POLICY=${policy} npx vitest run --config vitest.chaos.config.ts ${file}`;
}
