/**
 * A loopback chaos run in a process of its own: it prints its result as one JSON line and must
 * then exit by itself (no `process.exit`): a socket, server or timer left behind keeps it alive.
 *
 * Usage: node --import tsx test/chaos/support/loopback-child.ts <seed> <policy>
 */
import { runLoopbackChaos } from './loopback-run.js';
import type { ChaosPolicy } from './world.js';

const [seedText = '1', policy = 'esa'] = process.argv.slice(2);
const result = await runLoopbackChaos(Number(seedText), policy as ChaosPolicy);
process.stdout.write(`${JSON.stringify({ seed: result.seed, policy: result.policy, problems: result.problems, generated: result.counts.generated })}\n`);
