import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:chaos` (`ESA_PROPERTY_RUNS=10000`): the chaos runs of test/chaos (virtual worlds,
 * loopback, receiver abuse, fuzzing) and every property test of the project, found by its
 * fast-check import, so that they all run at 10,000 cases.
 */
function propertyTestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'chaos' || entry.name === 'interop' ? [] : propertyTestFiles(path);
    return entry.name.endsWith('.test.ts') && readFileSync(path, 'utf8').includes("from 'fast-check'") ? [path] : [];
  });
}

export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts', ...propertyTestFiles('src'), ...propertyTestFiles('test')],
    // The abuse tests measure RSS after a full collection.
    execArgv: ['--expose-gc'],
    // The loopback runs mostly wait on sockets: one worker more than cores keeps both busy.
    maxWorkers: availableParallelism() + 1,
    testTimeout: 120_000,
    // Thousands of runs: report only the truly slow ones.
    slowTestThreshold: 10_000,
    hookTimeout: 60_000,
  },
});
