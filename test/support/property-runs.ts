/**
 * How many runs each fast-check property makes. Plain `npm test` stays fast (200); the chaos
 * suite or a bug hunt raises it: `ESA_PROPERTY_RUNS=100000 npx vitest run src/core`.
 */
const DEFAULT_PROPERTY_RUNS = 200;

function readRuns(): number {
  const text = process.env.ESA_PROPERTY_RUNS;
  if (text === undefined || text === '') return DEFAULT_PROPERTY_RUNS;
  const runs = Number(text);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`ESA_PROPERTY_RUNS must be a positive integer; got ${JSON.stringify(text)}`);
  }
  return runs;
}

/** The run count for `fc.assert(…, { numRuns: PROPERTY_RUNS })`. */
export const PROPERTY_RUNS = readRuns();

/** `PROPERTY_RUNS` scaled for a slower property (at least 1). */
export function propertyRuns(scale = 1): number {
  return Math.max(1, Math.round(PROPERTY_RUNS * scale));
}
