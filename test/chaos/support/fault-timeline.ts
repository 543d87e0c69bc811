/**
 * Random fault timelines for chaos runs: from one seeded `Random`, a set of receiver-side faults
 * (for a `SyslogServer`), link-side faults (for a `VirtualLink` or a `FaultProxy`), each with an
 * optional window (`activeFromMs`/`activeUntilMs`), `firstConnections` or `probability`, and
 * switches that replace one side's faults at a time during the run (faults on, off, changed).
 *
 * Values are chosen so that every fault can act within a run of a few simulated minutes.
 */
import type { Random } from '../../../src/core/random.js';
import { FAULT_TYPES, type FaultType } from '../../../src/faults/fault.js';
import { formatFault } from '../../../src/faults/parse-fault.js';
import type { FaultSpec } from '../../../src/faults/spec.js';
import { LINK_FAULT_TYPES } from '../../../src/vnet/link.js';

/** Where a fault acts. */
export type FaultSide = 'receiver' | 'link';

/** A change of one side's faults during a run. */
export interface FaultSwitch {
  /** Time after the start of the run, ms. */
  readonly atMs: number;
  readonly side: FaultSide;
  /** The new fault list (empty: healed). */
  readonly faults: readonly FaultSpec[];
}

/** A run's faults over time. */
export interface FaultTimeline {
  /** The receiver's faults at the start. */
  readonly receiver: readonly FaultSpec[];
  /** The link's (or proxy's) faults at the start. */
  readonly link: readonly FaultSpec[];
  /** Later changes, in time order. */
  readonly switches: readonly FaultSwitch[];
}

/** Options of {@link randomFaultTimeline}. */
export interface FaultTimelineOptions {
  /** The run's length, ms (windows and switches fall inside it). */
  readonly durationMs: number;
  /** Fault types the receiver may get. @default every type */
  readonly receiverTypes?: readonly FaultType[];
  /** Fault types the link may get. @default LINK_FAULT_TYPES */
  readonly linkTypes?: readonly FaultType[];
  /** Most faults per side at once. @default 3 */
  readonly maxFaultsPerSide?: number;
  /** Most switches. @default 4 */
  readonly maxSwitches?: number;
  /** Bound of time values (latency, idle timeout), ms: keeps real-socket runs short. @default 20000 */
  readonly maxDelayMs?: number;
}

/** A random fault timeline; the same `random` state gives the same timeline. */
export function randomFaultTimeline(random: Random, options: FaultTimelineOptions): FaultTimeline {
  const receiverTypes = options.receiverTypes ?? FAULT_TYPES;
  const linkTypes = options.linkTypes ?? LINK_FAULT_TYPES;
  const maxFaults = options.maxFaultsPerSide ?? 3;
  const list = (types: readonly FaultType[], r: Random): FaultSpec[] => {
    // Often no fault at all on a side: healthy stretches matter as much as faulty ones.
    const count = r.chance(0.25) ? 0 : r.int(1, maxFaults + 1);
    return Array.from({ length: count }, () => randomFault(r, r.pick(types), options));
  };
  const receiver = list(receiverTypes, random.fork('receiver'));
  const link = list(linkTypes, random.fork('link'));
  const switchRandom = random.fork('switches');
  const switchCount = switchRandom.int(0, (options.maxSwitches ?? 4) + 1);
  const switches: FaultSwitch[] = [];
  for (let i = 0; i < switchCount; i++) {
    const side: FaultSide = switchRandom.chance(0.5) ? 'receiver' : 'link';
    const atMs = switchRandom.int(1, Math.max(2, options.durationMs));
    const faults = switchRandom.chance(0.3) ? [] : list(side === 'receiver' ? receiverTypes : linkTypes, switchRandom.fork(i));
    switches.push({ atMs, side, faults });
  }
  switches.sort((a, b) => a.atMs - b.atMs);
  return { receiver, link, switches };
}

/** One random fault of `type` with random values and a random wrapper. */
export function randomFault(random: Random, type: FaultType, options: FaultTimelineOptions): FaultSpec {
  const maxDelayMs = options.maxDelayMs ?? 20_000;
  const fields = randomFields(random, type, maxDelayMs);
  const wrapper: Record<string, number> = {};
  const durationMs = Math.max(2, options.durationMs);
  const shape = random.int(0, 6);
  if (shape === 1 || shape === 2) {
    // A window: on for a while, then off (or on from some time to the end).
    const from = random.int(0, durationMs);
    wrapper.activeFromMs = from;
    if (shape === 1) wrapper.activeUntilMs = from + random.int(1, durationMs);
  } else if (shape === 3) {
    wrapper.activeUntilMs = random.int(1, durationMs);
  } else if (shape === 4) {
    wrapper.firstConnections = random.int(1, 4);
  }
  if (type !== 'drop' && random.chance(0.2)) wrapper.probability = Math.round(random.next() * 100) / 100;
  return { type, ...fields, ...wrapper } as FaultSpec;
}

function randomFields(random: Random, type: FaultType, maxDelayMs: number): Record<string, number> {
  switch (type) {
    case 'reset-after-bytes':
      return { bytes: random.chance(0.1) ? 0 : random.int(1, 20_000) };
    case 'reset-after-messages':
      return { messages: random.int(0, 60) };
    case 'close-after-messages':
      return { messages: random.int(0, 60) };
    case 'busy':
      return { maxConnections: random.int(0, 3) };
    case 'idle-timeout':
      return { idleMs: random.int(100, maxDelayMs) };
    case 'latency':
      return random.chance(0.5) ? { latencyMs: random.int(0, maxDelayMs / 4) } : { latencyMs: random.int(0, maxDelayMs / 4), jitterMs: random.int(0, 500) };
    case 'bandwidth':
      return { bytesPerSecond: random.int(200, 200_000) };
    case 'drop':
      return { probability: Math.round(random.next() * 100) / 100 };
    case 'truncate':
      return { maxBytes: random.int(1, 400) };
    case 'reset-on-connect':
    case 'refuse':
    case 'stall':
      return {};
  }
}

/** The timeline in `--fault` text, one line per side and switch (for failure reports). */
export function describeTimeline(timeline: FaultTimeline): string {
  const text = (faults: readonly FaultSpec[]): string => (faults.length === 0 ? '(none)' : faults.map((fault) => formatFault(fault)).join(' '));
  return [
    `receiver: ${text(timeline.receiver)}`,
    `link: ${text(timeline.link)}`,
    ...timeline.switches.map((change) => `at ${change.atMs} ms ${change.side}: ${text(change.faults)}`),
  ].join('\n');
}
