/**
 * esa-logsim/testing: what a test harness imports — the virtual clock, seeded randomness, the
 * fault vocabulary and engine, the fault-injecting syslog receiver, the fault proxy, the virtual
 * network, and the scenarios (format, built-in library, runner, policy comparison).
 *
 * @packageDocumentation
 */

export { VirtualClock, type VirtualClockOptions, DEFAULT_VIRTUAL_START_MS } from './clock/index.js';
export { type Random, type Seed, seededRandom } from './core/random.js';
export * from './faults/index.js';
export * from './vnet/index.js';
export * from './server/index.js';
export * from './scenarios/index.js';
