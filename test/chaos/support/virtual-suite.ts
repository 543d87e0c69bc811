/**
 * The virtual chaos suite of one policy: 1,000 seeded runs (see `runVirtualChaos`), each a test
 * named by its seed; a failing one prints its parameters, its problems and its replay command.
 * One file per policy, so that the three run in parallel.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { replayCommand, chaosPolicy, chaosSeeds } from './replay.js';
import { runVirtualChaos } from './virtual-run.js';
import { failureReport, type ChaosPolicy } from './world.js';

/** Runs per policy (the count). */
export const VIRTUAL_RUNS = 1000;

/** Declares the suite of `policy` (file: this suite's test file, for the replay command). */
export function describeVirtualChaos(filePolicy: ChaosPolicy, file: string): void {
  const seeds = chaosSeeds(VIRTUAL_RUNS);
  const totals = { runs: 0, failed: 0, generated: 0, delivered: 0, duplicated: 0, dropped: 0, lost: 0, records: 0, cut: 0, fragments: 0, simulatedMs: 0 };

  describe(`virtual chaos (${chaosPolicy(filePolicy, 1)} policy): the ledger against the receiver under random fault timelines`, () => {
    it.for(seeds)('seed %i', async (seed) => {
      const policy = chaosPolicy(filePolicy, seed);
      const result = await runVirtualChaos(seed, policy);
      totals.runs++;
      totals.generated += result.counts.generated;
      totals.delivered += result.counts.delivered ?? 0;
      totals.duplicated += result.counts.duplicated ?? 0;
      totals.dropped += result.counts.dropped;
      totals.lost += result.counts.lostInFlight ?? 0;
      totals.records += result.verdict.contentRecords;
      totals.cut += result.verdict.cutRecords;
      totals.fragments += result.verdict.fragments;
      totals.simulatedMs += result.simulatedMs;
      if (result.problems.length > 0) totals.failed++;
      expect(result.problems, failureReport(result, replayCommand(seed, policy, file))).toEqual([]);
    });

    afterAll(() => {
      // One line per policy for the chaos report: how much was checked.
      console.log(
        `virtual chaos ${chaosPolicy(filePolicy, 1)}: ${totals.runs} runs (${totals.failed} failed), ${Math.round(totals.simulatedMs / 60_000)} simulated minutes, ` +
          `${totals.generated} lines: ${totals.delivered} delivered (${totals.duplicated} more than once), ${totals.dropped} dropped, ${totals.lost} lost in flight; ` +
          `${totals.records} receiver records judged (${totals.cut} cut, ${totals.fragments} trailing fragments)`,
      );
    });
  });
}
