/**
 * esa-logsim: simulate a Cisco Email Security Appliance forwarding its log subscriptions to
 * syslog, break the network on purpose, and account for every log line.
 *
 * This entry point holds what an application needs: the appliance model, the transports, the
 * syslog formatter and parser, framing, and the errors. Test harness tools (receiver, fault
 * proxy, virtual clock and network) are in `esa-logsim/testing`.
 *
 * @packageDocumentation
 */

export * from './core/errors.js';
export { type Random, type Seed, seededRandom } from './core/random.js';
export * from './core/vocabulary.js';
export { parseDurationMs, parseByteSize, formatDurationMs, MAX_DURATION_MS } from './core/units.js';
export type * from './core/network.js';
export { type Clock, type Timer, sleep, systemClock } from './clock/index.js';
export { nodeNetwork } from './net/node-network.js';
