/**
 * What a scenario run reports: the summary (the ledger's counts and what the appliance, the
 * receiver and the faults did), the expectations, the events it streams while it runs, and the
 * fate of every line.
 *
 * @module
 */

import type { NetworkErrorCode } from '../core/errors.js';
import type { DropReason, LineFate } from '../core/ledger.js';
import type { LogLevel } from '../core/vocabulary.js';
import type { FaultAction, FaultType } from '../faults/fault.js';
import type { TracePacket } from '../vnet/packet.js';
import type { ExpectationResult } from './expectations.js';
import type { ScenarioWorld } from './scenario.js';

/** Delivery delay (time from being logged to being received), in ms; `null` when nothing was delivered. */
export interface ScenarioDelay {
  /** Median (upper bound of its histogram bucket, ≤ 19 % above the true value). */
  readonly p50Ms: number | null;
  /** 99th percentile (same precision). */
  readonly p99Ms: number | null;
  /** Largest (exact). */
  readonly maxMs: number | null;
}

/** What the receiver counted. */
export interface ScenarioReceiverSummary {
  /** Messages recorded (an LF-split line counts twice). */
  readonly messages: number;
  /** Bytes read from the network. */
  readonly bytes: number;
  /** TCP connections accepted. */
  readonly connectionsAccepted: number;
  /** TCP connections the receiver reset. */
  readonly connectionsReset: number;
  /** Messages over `maxMessageBytes` (cut). */
  readonly oversize: number;
  /** Messages cut by a `truncate` fault. */
  readonly truncated: number;
  /** Messages that did not parse as syslog (e.g. the second half of a line split at an embedded LF). */
  readonly parseErrors: number;
  /** Datagrams lost at the receiver (`drop`, `stall`, full queue). */
  readonly datagramsDropped: number;
}

/** The counts of a run. In both worlds the receiver is a `SyslogServer`, so every count is exact. */
export interface ScenarioSummary {
  /** Lines queued for forwarding (by every subscription). */
  readonly generated: number;
  /** Lines the receiver got at least once. */
  readonly delivered: number;
  /** Lines the appliance gave up. */
  readonly dropped: number;
  /** `dropped` by reason. */
  readonly droppedByReason: Readonly<Record<DropReason, number>>;
  /** Lines written successfully and never received (the sender saw success). */
  readonly lostInFlight: number;
  /** Lines received more than once (part of `delivered`). */
  readonly duplicated: number;
  /** Lines whose fate is still open (0 after a complete run). */
  readonly pending: number;
  /** Failed pushes (Log Errors). */
  readonly networkErrors: number;
  /** `networkErrors` by cause code (`ESA_ERR_CONNECTION_RESET`…). */
  readonly networkErrorsByCause: Readonly<Partial<Record<NetworkErrorCode, number>>>;
  /** System/Critical alerts sent. */
  readonly alerts: number;
  /** Duplicate alerts held back. */
  readonly alertsSuppressed: number;
  /** Logfiles started (headers sent): start, reconnections and rollovers. */
  readonly logfiles: number;
  /** Logfiles started again after a failure: on a new connection, or because the first header never got through. */
  readonly reconnectLogfiles: number;
  /** Pushes that succeeded. */
  readonly pushes: number;
  /** Connections the appliance opened (TCP). */
  readonly connections: number;
  /** Fault actions (receiver and link). */
  readonly faults: number;
  /** Delivery delay. */
  readonly delay: ScenarioDelay;
  /** The receiver's counters. */
  readonly receiver: ScenarioReceiverSummary;
}

/** The summary of one subscription. */
export interface ScenarioSubscriptionSummary {
  readonly name: string;
  readonly generated: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly lostInFlight: number;
  readonly duplicated: number;
  readonly pending: number;
  readonly networkErrors: number;
  readonly pushes: number;
  readonly logfiles: number;
}

/** A run of lines of one subscription with the same fate (ids from 0 in the order they were logged). */
export interface ScenarioFateRun {
  readonly subscription: string;
  /** First line id. */
  readonly from: number;
  /** One past the last. */
  readonly to: number;
  readonly fate: LineFate;
  /** For `dropped`: why. */
  readonly reason?: DropReason;
  /** Received more than once. */
  readonly isDuplicated?: true;
}

/** A push failed: the appliance logged a Log Error. */
export interface ScenarioNetworkErrorEvent {
  readonly type: 'network-error';
  readonly at: number;
  readonly subscription: string;
  /** ESA's exact text (`Log Error: Subscription Mail_Log: Network error while sending log data to syslog server`). */
  readonly message: string;
  /** The cause's code (`ESA_ERR_CONNECTION_RESET`…). */
  readonly cause: NetworkErrorCode;
  /** The cause's message. */
  readonly detail: string;
  /** Noticed while no push was in progress (an idle connection was reset or closed). */
  readonly isIdle: boolean;
  /** Log lines of the failed batch. */
  readonly linesAffected: number;
}

/** A System/Critical alert was sent. */
export interface ScenarioAlertEvent {
  readonly type: 'alert';
  readonly at: number;
  readonly class: string;
  readonly severity: string;
  readonly subject: string;
  readonly recipients: readonly string[];
}

/** A fault acted (at the receiver or on the link). */
export interface ScenarioFaultEvent {
  readonly type: 'fault';
  readonly at: number;
  readonly fault: FaultType;
  readonly action: FaultAction;
  readonly detail: string;
  /** Who applied it: the receiver or the link's middlebox. */
  readonly source: 'receiver' | 'link';
  /** The peer (`host:port`), when the decision concerned one. */
  readonly connection?: string;
}

/** A line the appliance wrote to one of its logs (as its log file holds it). */
export interface ScenarioLogEvent {
  readonly type: 'log';
  readonly at: number;
  readonly logType: string;
  readonly level: LogLevel;
  /** The line as the appliance's log file holds it: `Wed Jun 25 08:50:04 2014 Critical: Log Error: …`. */
  readonly line: string;
}

/** A message the receiver parsed (only with `received: true`). */
export interface ScenarioReceivedEvent {
  readonly type: 'received';
  readonly at: number;
  /** Facility name (`mail`), or `null` when the message did not parse. */
  readonly facility: string | null;
  readonly severity: number | null;
  readonly tag: string | null;
  /** The level word's level (`Information`), when there was one. */
  readonly level: string | null;
  /** The text after the level word (the raw message when it did not parse). */
  readonly text: string;
  /** The sender's `host:port`. */
  readonly peer: string;
}

/** An event of a run (the CLI prints them as NDJSON). */
export type ScenarioEvent = ScenarioNetworkErrorEvent | ScenarioAlertEvent | ScenarioFaultEvent | ScenarioLogEvent | ScenarioReceivedEvent;

/** The event types. */
export type ScenarioEventType = ScenarioEvent['type'];

/** Every event type. */
export const SCENARIO_EVENT_TYPES: readonly ScenarioEventType[] = Object.freeze(['network-error', 'alert', 'fault', 'log', 'received']);

/** What `runScenario()` resolves with. */
export interface ScenarioResult {
  /** The scenario's name. */
  readonly name: string;
  /** The world it ran in. */
  readonly world: ScenarioWorld;
  /** The policy's label (`esa`, `retry:retries=5`, …; `mixed` when subscriptions keep their own). */
  readonly policy: string;
  /** The seed. */
  readonly seed: number | string;
  /** The virtual start time, ms since the epoch. */
  readonly startMs: number;
  /** The simulated time the appliance ran, ms. */
  readonly durationMs: number;
  /** The counts. */
  readonly summary: ScenarioSummary;
  /** Per subscription. */
  readonly subscriptions: readonly ScenarioSubscriptionSummary[];
  /** The expectations and how they fared. */
  readonly expectations: readonly ExpectationResult[];
  /** Whether every expectation held. */
  readonly passed: boolean;
  /** The fate of every line, as runs. */
  readonly fates: readonly ScenarioFateRun[];
  /** The recorded packets (virtual world, with `trace`). */
  readonly trace?: readonly TracePacket[];
  /** What the run could not model as written (e.g. virtual-network settings on loopback). */
  readonly notes: readonly string[];
}
