/**
 * Chaos on loopback with real sockets: 30 seeded runs of an appliance pushing through a
 * `FaultProxy` to a `SyslogServer`, with faults on both switching during the run (see
 * support/loopback-run.ts). Same checks as the virtual runs, plus: no socket, server or timer
 * handle left open after close (`process.getActiveResourcesInfo()`), and a process that ran one
 * exits by itself.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runLoopbackChaos } from './support/loopback-run.js';
import { chaosPolicy, chaosSeeds, replayCommand } from './support/replay.js';
import { CHAOS_POLICIES, failureReport } from './support/world.js';

const FILE = 'test/chaos/loopback.test.ts';
const LOOPBACK_RUNS = 30;
const policyOf = (seed: number) => CHAOS_POLICIES[seed % CHAOS_POLICIES.length] as (typeof CHAOS_POLICIES)[number];

describe('loopback chaos: appliance → FaultProxy → SyslogServer on 127.0.0.1, faults switching during the run', () => {
  const totals = { runs: 0, generated: 0, delivered: 0, records: 0, fragments: 0 };

  it.for(chaosSeeds(LOOPBACK_RUNS))('seed %i', async (seed) => {
    const policy = chaosPolicy(policyOf, seed);
    const result = await runLoopbackChaos(seed, policy);
    totals.runs++;
    totals.generated += result.counts.generated;
    totals.delivered += result.counts.delivered ?? 0;
    totals.records += result.verdict.contentRecords;
    totals.fragments += result.verdict.fragments;
    expect(result.problems, failureReport(result, replayCommand(seed, policy, FILE))).toEqual([]);
    expect(result.leakedResources).toEqual([]);
  });

  it('a process that made a loopback run exits by itself, its result clean', async () => {
    const child = fileURLToPath(new URL('./support/loopback-child.ts', import.meta.url));
    const seed = 7;
    const policy = chaosPolicy(policyOf, seed);
    const spawned = spawn(process.execPath, ['--import', 'tsx', child, String(seed), policy], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    spawned.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    spawned.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A bound, not a measurement: a process kept alive by a leaked handle never exits.
    const outcome = await new Promise<{ code: number | null; isKilled: boolean }>((resolve) => {
      const limit = setTimeout(() => {
        spawned.kill('SIGKILL');
        resolve({ code: null, isKilled: true });
      }, 60_000);
      spawned.on('exit', (code) => {
        clearTimeout(limit);
        resolve({ code, isKilled: false });
      });
    });
    expect(outcome, `the child did not exit by itself\nstdout: ${stdout}\nstderr: ${stderr}`).toEqual({ code: 0, isKilled: false });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { problems?: string[] };
    expect(result.problems, stderr).toEqual([]);
  });

  afterAll(() => {
    console.log(`loopback chaos: ${totals.runs} runs, ${totals.generated} lines, ${totals.delivered} delivered, ${totals.records} receiver records judged (${totals.fragments} trailing fragments)`);
  });
});
