/**
 * esa-logsim/testing: what a test harness imports — the virtual clock and seeded randomness,
 * and (as they land) the fault-injecting syslog receiver, the fault proxy and the virtual network.
 *
 * @packageDocumentation
 */

export { VirtualClock, type VirtualClockOptions, DEFAULT_VIRTUAL_START_MS } from './clock/index.js';
export { type Random, type Seed, seededRandom } from './core/random.js';
