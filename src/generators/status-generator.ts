/**
 * Status lines (`Status: CPULd 0 DskIO 0 RAMUtil 1 QKUsd 0 QKFre 8388608 CrtMID …`), written once
 * a minute by AsyncOS, and the `status` log generator. The field list and order follow status
 * lines seen in the field (AsyncOS 12–14); the counters are the appliance's since its start.
 *
 * @module
 */

import type { LogRecord } from '../core/log-record.js';
import type { Random } from '../core/random.js';
import { InvalidOptionError } from '../core/errors.js';
import { expectInteger } from '../core/units.js';
import {
  expectOptionsObject,
  expectRate,
  GENERATOR_BASE_OPTION_KEYS,
  resolveGeneratorBaseOptions,
  ScheduledGenerator,
  TimerActor,
  type GeneratorBaseOptions,
  type LogGenerator,
  type ResolvedGeneratorBaseOptions,
} from './log-generator.js';

/** Queue space of a C100V-class appliance in KB, as `QKUsd + QKFre` (ESA notes: `QKFre 8388608`). */
export const STATUS_QUEUE_KB = 8_388_608;

/** The default cadence of status lines: once a minute. */
export const DEFAULT_STATUS_INTERVAL_MS = 60_000;

/** The longest status interval accepted: one day. */
export const MAX_STATUS_INTERVAL_MS = 86_400_000;

/** The shortest non-zero status interval accepted: one second. */
export const MIN_STATUS_INTERVAL_MS = 1000;

/**
 * The appliance counters a status line reports. Generators update them as they write mail
 * lines, so the status lines agree with the mail log (`CrtMID` is the last MID assigned…).
 */
export interface StatusCounters {
  /** The last MID assigned (0 before the first). */
  crtMid: number;
  /** The last ICID assigned. */
  crtIcid: number;
  /** The last DCID assigned. */
  crtDcid: number;
  /** Messages injected (received in full). */
  injMsg: number;
  /** Recipients injected. */
  injRcp: number;
  /** Bounce recipients generated. */
  genBncRcp: number;
  /** Recipients rejected (at connection or RCPT time). */
  rejRcp: number;
  /** Messages dropped (anti-virus, anti-spam, filters). */
  drpMsg: number;
  /** Soft bounce events. */
  sftBncEvnt: number;
  /** Completed recipients (delivered, bounced, dropped, quarantined). */
  cmpRcp: number;
  /** Hard-bounced recipients. */
  hrdBncRcp: number;
  /** Hard bounces after a 5XX answer. */
  fiveXxHrdBnc: number;
  /** Delivered recipients. */
  dlvRcp: number;
  /** Recipients in the queue. */
  actvRcp: number;
  /** Inbound connections open now. */
  crtCncIn: number;
  /** Outbound connections open now. */
  crtCncOut: number;
  /** Messages in quarantines. */
  quarMsgs: number;
  /** Bytes injected. */
  injBytes: number;
}

/** Fresh counters; the current IDs start one below the first ID the appliance will assign. */
export function createStatusCounters(next: { icid?: number; mid?: number; dcid?: number } = {}): StatusCounters {
  return {
    crtMid: Math.max(0, (next.mid ?? 1) - 1),
    crtIcid: Math.max(0, (next.icid ?? 1) - 1),
    crtDcid: Math.max(0, (next.dcid ?? 1) - 1),
    injMsg: 0,
    injRcp: 0,
    genBncRcp: 0,
    rejRcp: 0,
    drpMsg: 0,
    sftBncEvnt: 0,
    cmpRcp: 0,
    hrdBncRcp: 0,
    fiveXxHrdBnc: 0,
    dlvRcp: 0,
    actvRcp: 0,
    crtCncIn: 0,
    crtCncOut: 0,
    quarMsgs: 0,
    injBytes: 0,
  };
}

/**
 * The text of one status line (after `Info: `). Loads and cache figures are drawn from `random`;
 * the counters come from `counters`; `uptimeSeconds` drives the CPU-time fields.
 */
export function formatStatusText(counters: StatusCounters, random: Random, uptimeSeconds: number): string {
  const cpuLoad = random.int(0, 30);
  const caseLoad = random.int(0, 20);
  const sophosLoad = random.int(0, 10);
  const ramUsedBytes = 380_000_000 + random.int(0, 160_000_000);
  const queueKbUsed = Math.min(STATUS_QUEUE_KB, counters.actvRcp * 48 + counters.quarMsgs * 12);
  const dnsRequests = counters.injMsg * 6 + counters.rejRcp * 2;
  const cacheHits = Math.floor(dnsRequests * 0.7);
  const uptime = Math.max(0, Math.floor(uptimeSeconds));
  return (
    'Status: CPULd ' + cpuLoad +
    ' DskIO ' + random.int(0, 6) +
    ' RAMUtil ' + random.int(1, 16) +
    ' QKUsd ' + queueKbUsed +
    ' QKFre ' + (STATUS_QUEUE_KB - queueKbUsed) +
    ' CrtMID ' + counters.crtMid +
    ' CrtICID ' + counters.crtIcid +
    ' CrtDCID ' + counters.crtDcid +
    ' InjMsg ' + counters.injMsg +
    ' InjRcp ' + counters.injRcp +
    ' GenBncRcp ' + counters.genBncRcp +
    ' RejRcp ' + counters.rejRcp +
    ' DrpMsg ' + counters.drpMsg +
    ' SftBncEvnt ' + counters.sftBncEvnt +
    ' CmpRcp ' + counters.cmpRcp +
    ' HrdBncRcp ' + counters.hrdBncRcp +
    ' DnsHrdBnc 0 5XXHrdBnc ' + counters.fiveXxHrdBnc +
    ' FltrHrdBnc 0 ExpHrdBnc 0 OtrHrdBnc 0 DlvRcp ' + counters.dlvRcp +
    ' DelRcp 0 GlbUnsbHt 0 ActvRcp ' + counters.actvRcp +
    ' UnatmptRcp ' + Math.floor(counters.actvRcp / 2) +
    ' AtmptRcp ' + (counters.actvRcp - Math.floor(counters.actvRcp / 2)) +
    ' CrtCncIn ' + counters.crtCncIn +
    ' CrtCncOut ' + counters.crtCncOut +
    ' DnsReq ' + dnsRequests +
    ' NetReq ' + Math.floor(dnsRequests * 0.45) +
    ' CchHit ' + cacheHits +
    ' CchMis ' + (dnsRequests - cacheHits) +
    ' CchEct ' + Math.floor(cacheHits * 0.04) +
    ' CchExp ' + Math.floor(cacheHits * 0.15) +
    ' CPUTTm ' + Math.floor(uptime * 0.12) +
    ' CPUETm ' + uptime +
    ' MaxIO ' + (400 + random.int(0, 600)) +
    ' RAMUsd ' + ramUsedBytes +
    ' MMLen ' + random.int(0, 40) +
    ' DstInMem ' + (3 + random.int(0, 40)) +
    ' ResCon 0 WorkQ ' + random.int(0, 3) +
    ' QuarMsgs ' + counters.quarMsgs +
    ' QuarQKUsd ' + counters.quarMsgs * 12 +
    ' LogUsd ' + random.int(2, 9) +
    ' SophLd ' + sophosLoad +
    ' BMLd 0 CASELd ' + caseLoad +
    ' TotalLd ' + Math.min(100, cpuLoad + caseLoad + sophosLoad) +
    ' LogAvail 148G EuQ 0 EuqRls 0 CmrkLd 0 McafLd 0 SwIn 0 SwOut 0 SwPgIn 0 SwPgOut 0 SwapUsage 0% RptLd ' + random.int(0, 3) +
    ' QtnLd 0 EncrQ 0 InjBytes ' + counters.injBytes
  );
}

/**
 * Checks a status interval in ms: 1 s … 1 day, or 0 (off) when `allowZero`.
 *
 * @throws InvalidOptionError naming `option`.
 */
export function resolveStatusIntervalMs(option: string, value: unknown, allowZero: boolean): number {
  if (value === undefined) return DEFAULT_STATUS_INTERVAL_MS;
  const isValid =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    ((allowZero && value === 0) || (value >= MIN_STATUS_INTERVAL_MS && value <= MAX_STATUS_INTERVAL_MS));
  if (!isValid) {
    const span = `a number of ms from ${MIN_STATUS_INTERVAL_MS} to ${MAX_STATUS_INTERVAL_MS}`;
    throw new InvalidOptionError(option, value, allowZero ? `0 (no status lines) or ${span}` : span);
  }
  return value;
}

/** Options of {@link createStatusGenerator} (the `status` log type). */
export interface StatusGeneratorOptions extends GeneratorBaseOptions {
  /**
   * Time between status lines, in ms (1 s … 1 day).
   * @default 60000
   */
  intervalMs?: number;
  /**
   * The mail traffic the counters grow with, in messages per second.
   * @default 5
   */
  messagesPerSecond?: number;
  /**
   * The first MID (so `CrtMID` starts at `startMid - 1`).
   * @default 1
   */
  startMid?: number;
  /**
   * The first ICID.
   * @default 1
   */
  startIcid?: number;
  /**
   * The first DCID.
   * @default 1
   */
  startDcid?: number;
}

/** {@link StatusGeneratorOptions} validated and defaulted. */
export interface ResolvedStatusGeneratorOptions extends ResolvedGeneratorBaseOptions {
  readonly intervalMs: number;
  readonly messagesPerSecond: number;
  readonly startMid: number;
  readonly startIcid: number;
  readonly startDcid: number;
}

/** The largest start value of an ID counter. */
export const MAX_START_ID = 2 ** 40;

/**
 * Validates and defaults {@link StatusGeneratorOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the bad option.
 */
export function resolveStatusGeneratorOptions(input: StatusGeneratorOptions = {}): ResolvedStatusGeneratorOptions {
  const options = expectOptionsObject(input, 'the status generator', [
    ...GENERATOR_BASE_OPTION_KEYS,
    'intervalMs',
    'messagesPerSecond',
    'startMid',
    'startIcid',
    'startDcid',
  ]) as StatusGeneratorOptions;
  return Object.freeze({
    ...resolveGeneratorBaseOptions(options),
    intervalMs: resolveStatusIntervalMs('intervalMs', options.intervalMs, false),
    messagesPerSecond: options.messagesPerSecond === undefined ? 5 : expectRate('messagesPerSecond', options.messagesPerSecond),
    startMid: options.startMid === undefined ? 1 : expectInteger('startMid', options.startMid, 1, MAX_START_ID),
    startIcid: options.startIcid === undefined ? 1 : expectInteger('startIcid', options.startIcid, 1, MAX_START_ID),
    startDcid: options.startDcid === undefined ? 1 : expectInteger('startDcid', options.startDcid, 1, MAX_START_ID),
  });
}

class StatusGenerator extends ScheduledGenerator<TimerActor> {
  readonly logType = 'status';
  readonly #options: ResolvedStatusGeneratorOptions;
  readonly #counters: StatusCounters;
  #originMs = 0;

  constructor(options: ResolvedStatusGeneratorOptions) {
    super(options, 0);
    this.#options = options;
    this.#counters = createStatusCounters({ mid: options.startMid, icid: options.startIcid, dcid: options.startDcid });
  }

  protected spawn(): undefined {
    return undefined;
  }

  protected override onStart(originMs: number): void {
    this.#originMs = originMs;
    this.schedule(new TimerActor(originMs + this.#options.intervalMs, this.#options.intervalMs));
  }

  protected step(timer: TimerActor, out: LogRecord[]): boolean {
    this.#advanceCounters(timer.intervalMs);
    this.emit(out, timer.t, 'Information', formatStatusText(this.#counters, this.random, (timer.t - this.#originMs) / 1000));
    timer.t += timer.intervalMs;
    return true;
  }

  /** One interval of traffic: about `rate × interval` messages (±20 %), split like a mail mix. */
  #advanceCounters(intervalMs: number): void {
    const counters = this.#counters;
    const expected = (this.#options.messagesPerSecond * intervalMs) / 1000;
    const messages = Math.round(expected * (0.8 + 0.4 * this.random.next()));
    const connections = Math.round(messages * 1.15);
    const recipients = Math.round(messages * 1.1);
    const rejected = connections - messages;
    const hardBounced = Math.round(recipients * 0.015);
    const dropped = Math.round(messages * 0.02);
    counters.crtIcid += connections;
    counters.crtMid += messages;
    counters.crtDcid += Math.round(messages * 0.95);
    counters.injMsg += messages;
    counters.injRcp += recipients;
    counters.rejRcp += rejected;
    counters.drpMsg += dropped;
    counters.sftBncEvnt += Math.round(recipients * 0.02);
    counters.hrdBncRcp += hardBounced;
    counters.fiveXxHrdBnc += hardBounced;
    counters.genBncRcp += hardBounced;
    counters.dlvRcp += recipients - hardBounced - dropped;
    counters.cmpRcp += recipients;
    counters.actvRcp = Math.round(expected * 0.05);
    counters.crtCncIn = Math.round(this.#options.messagesPerSecond * 2);
    counters.crtCncOut = Math.round(this.#options.messagesPerSecond);
    counters.injBytes += messages * 18_000;
  }
}

/**
 * A generator of the `status` log: one `Status: …` line every `intervalMs`, the first one
 * interval after the start, with counters that grow with `messagesPerSecond`.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for invalid options.
 * @example
 * ```ts
 * const status = createStatusGenerator({ seed: 1, intervalMs: 60_000 });
 * status.generate(startMs, startMs + 3_600_000, out); // 60 lines
 * ```
 */
export function createStatusGenerator(options: StatusGeneratorOptions = {}): LogGenerator {
  return new StatusGenerator(resolveStatusGeneratorOptions(options));
}
