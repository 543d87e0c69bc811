/**
 * The `mail_logs` generator: whole message lifecycles of a busy appliance, as the text mail log
 * shows them (ESA notes, "mail_logs grammar").
 *
 * Each arriving message (or rejected connection) becomes an actor that walks a script of line
 * kinds — `New SMTP ICID`, the sender-group verdict, `Start MID`, `From:`, one `To:` per RID,
 * scanning verdicts, delivery over a DCID, `Message finished` — with a small random delay before
 * each line, so one message's lines spread over tens of ms to seconds while other messages' lines
 * interleave with them. IDs are assigned when the line that introduces them is written, so ICIDs,
 * MIDs, DCIDs and RCIDs appear in increasing order like the appliance's counters.
 *
 * Every text is built by plain concatenation of precomputed pieces; no formatting, regex or
 * per-line object besides the {@link LogRecord} itself.
 *
 * **Assumed** (no source quoted in the ESA notes shows them; each is a choice made here):
 * `country not enabled` ends every sender-group line (REJECT and RELAY too, as on AsyncOS 12+);
 * spam goes to the local quarantine over RPC (`RPC Delivery start RCID n MID m to local IronPort
 * Spam Quarantine`, `ISQ: Quarantined MID m`, `RPC Message done RCID n MID m`); failed TLS is
 * written at Warning; a message held in the "Policy" quarantine has no `Message finished` line;
 * one message per inbound connection and one delivery connection per delivery attempt; the
 * processing delays (see `processingTimeScale`).
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import type { LogRecord } from '../core/log-record.js';
import { expectBoolean, expectInteger, expectNumber } from '../core/units.js';
import type { LogLevel } from '../core/vocabulary.js';
import {
  base36UpperUint32,
  DKIM_SELECTORS,
  formatCtime,
  hexUint32,
  INTERNAL_MAIL_SERVERS,
  LOCAL_DOMAIN,
  LOCAL_PARTS,
  RELAY_HOSTS,
  REMOTE_ADDRESSES,
  REMOTE_DOMAINS,
  RID_LISTS,
  SBRS_SCORES,
  SUBJECTS,
  TLS_PARAMETERS,
  VIRUS_NAMES,
} from './content-pools.js';
import {
  Actor,
  cumulativeWeights,
  expectOptionsObject,
  expectRate,
  GENERATOR_BASE_OPTION_KEYS,
  pickWeighted,
  resolveGeneratorBaseOptions,
  resolveWeights,
  ScheduledGenerator,
  TimerActor,
  type GeneratorBaseOptions,
  type LogGenerator,
  type ResolvedGeneratorBaseOptions,
} from './log-generator.js';
import {
  createStatusCounters,
  formatStatusText,
  MAX_START_ID,
  resolveStatusIntervalMs,
  type StatusCounters,
} from './status-generator.js';

/** The kinds of message lifecycle the generator mixes. */
export const MAIL_VARIANTS = [
  /** Inbound, accepted (UNKNOWNLIST or SUSPECTLIST), clean, delivered to one recipient. */
  'delivered',
  /** A connection rejected by the BLOCKLIST sender group: three lines, no MID. */
  'rejected',
  /** Outbound mail from an internal host matched by the RELAYLIST sender group, delivered. */
  'relayed',
  /** Inbound, 2…`maxRecipients` recipients delivered over one DCID (`to RID [0, 1]`). */
  'multipleRecipients',
  /** Spam positive, sent to the local spam quarantine over an RCID. */
  'spamQuarantined',
  /** Spam positive and dropped: `Message aborted MID n Dropped by CASE`. */
  'spamDropped',
  /** Virus positive and dropped: `Message aborted MID n Dropped by antivirus`. */
  'virus',
  /** Delivery answered 4XX (`Delayed: …`, `pending till <ctime>`), retried and delivered later. */
  'softBounce',
  /** Delivery answered 5XX: `Bounced: …`. */
  'hardBounce',
  /** Matched a content filter and held in the "Policy" quarantine (no `Message finished` while held). */
  'policyQuarantine',
] as const;

/** A kind of message lifecycle: one of {@link MAIL_VARIANTS}. */
export type MailVariant = (typeof MAIL_VARIANTS)[number];

/**
 * The default mix of lifecycles (relative weights): mostly clean inbound mail, some rejected
 * connections and outbound relay, a few of each failure. **Assumed** proportions, shaped like a
 * small company's appliance.
 */
export const DEFAULT_MAIL_MIX: Readonly<Record<MailVariant, number>> = Object.freeze({
  delivered: 60,
  rejected: 12,
  relayed: 10,
  multipleRecipients: 5,
  spamQuarantined: 5,
  spamDropped: 2,
  virus: 1,
  softBounce: 2,
  hardBounce: 2,
  policyQuarantine: 1,
});

/** The default rate when neither `messagesPerSecond` nor `linesPerSecond` is given. */
export const DEFAULT_MESSAGES_PER_SECOND = 5;

/** The most recipients a `multipleRecipients` message may have. */
export const MAX_RECIPIENTS_LIMIT = 64;

/** Options of {@link createMailLogsGenerator}. */
export interface MailLogsGeneratorOptions extends GeneratorBaseOptions {
  /**
   * Mail events per second: messages, plus connections rejected before any message (each
   * `rejected` event counts as one). Give this or `linesPerSecond`, not both.
   * @default 5 (when `linesPerSecond` is not given either)
   */
  messagesPerSecond?: number;
  /**
   * Lines per second on average (status lines included): converted to `messagesPerSecond` with
   * the expected lines per event of the configured mix (see {@link expectedMailLinesPerMessage}).
   * Give this or `messagesPerSecond`, not both.
   * @default undefined
   */
  linesPerSecond?: number;
  /**
   * Relative weights of the lifecycles; variants left out weigh 0, so `{ rejected: 1 }` makes
   * only rejected connections. Weights are non-negative with a positive sum.
   * @default DEFAULT_MAIL_MIX
   */
  mix?: Partial<Record<MailVariant, number>>;
  /**
   * The most recipients of a `multipleRecipients` message (it has 2 … this many, uniformly),
   * 2 … 64.
   * @default 5
   */
  maxRecipients?: number;
  /**
   * Share of inbound connections that negotiate TLS (an `ICID n TLS …` line), 0 … 1.
   * @default 0.6
   */
  tlsInboundRatio?: number;
  /**
   * Share of delivery connections that negotiate TLS (a `DCID n TLS …` line), 0 … 1.
   * @default 0.7
   */
  tlsOutboundRatio?: number;
  /**
   * Share of TLS negotiations that fail (`TLS failed: …`, written at Warning — level
   * **assumed**), 0 … 1.
   * @default 0.02
   */
  tlsFailureRatio?: number;
  /**
   * Share of inbound messages checked by SPF, DKIM and DMARC (three lines), 0 … 1.
   * @default 0.8
   */
  authenticationRatio?: number;
  /**
   * Time between `Status: …` lines in the mail log, in ms; 0 writes none.
   * @default 60000
   */
  statusIntervalMs?: number;
  /**
   * Multiplies every processing delay (SMTP dialogue, scanning, delivery); 0 writes a message's
   * lines all at its arrival time. The unscaled delays are **assumed** values giving lifecycles of
   * roughly 0.3 to 5 s.
   * @default 1
   */
  processingTimeScale?: number;
  /**
   * Time from a soft bounce to the retry (`pending till` shows it), in ms (AsyncOS's bounce
   * profile waits 60 s before the first retry by default).
   * @default 60000
   */
  softBounceRetryMs?: number;
  /**
   * Whether `Message done … to RID [0] ` ends in a space, as in the field captures the ESA notes
   * quote (other samples show none: a parser should accept both).
   * @default true
   */
  messageDoneTrailingSpace?: boolean;
  /**
   * The first ICID assigned.
   * @default 1
   */
  startIcid?: number;
  /**
   * The first MID assigned.
   * @default 1
   */
  startMid?: number;
  /**
   * The first DCID assigned.
   * @default 1
   */
  startDcid?: number;
  /**
   * The first RCID assigned (deliveries to the local spam quarantine).
   * @default 1
   */
  startRcid?: number;
  /**
   * The listener's interface name in `New SMTP ICID … interface <name> (<address>)`.
   * @default 'Data 1'
   */
  interfaceName?: string;
  /**
   * The listener's address, also the source of delivery connections.
   * @default '192.0.2.12'
   */
  interfaceAddress?: string;
}

/** {@link MailLogsGeneratorOptions} validated and defaulted. */
export interface ResolvedMailLogsOptions extends ResolvedGeneratorBaseOptions {
  /** The event rate, after converting `linesPerSecond` when it was given. */
  readonly messagesPerSecond: number;
  /** The line rate asked for, when it was given. */
  readonly linesPerSecond: number | undefined;
  readonly mix: Readonly<Record<MailVariant, number>>;
  readonly maxRecipients: number;
  readonly tlsInboundRatio: number;
  readonly tlsOutboundRatio: number;
  readonly tlsFailureRatio: number;
  readonly authenticationRatio: number;
  readonly statusIntervalMs: number;
  readonly processingTimeScale: number;
  readonly softBounceRetryMs: number;
  readonly messageDoneTrailingSpace: boolean;
  readonly startIcid: number;
  readonly startMid: number;
  readonly startDcid: number;
  readonly startRcid: number;
  readonly interfaceName: string;
  readonly interfaceAddress: string;
}

/** The keys of {@link MailLogsGeneratorOptions}. */
export const MAIL_LOGS_OPTION_KEYS: readonly string[] = Object.freeze([
  ...GENERATOR_BASE_OPTION_KEYS,
  'messagesPerSecond',
  'linesPerSecond',
  'mix',
  'maxRecipients',
  'tlsInboundRatio',
  'tlsOutboundRatio',
  'tlsFailureRatio',
  'authenticationRatio',
  'statusIntervalMs',
  'processingTimeScale',
  'softBounceRetryMs',
  'messageDoneTrailingSpace',
  'startIcid',
  'startMid',
  'startDcid',
  'startRcid',
  'interfaceName',
  'interfaceAddress',
]);

// ---------------------------------------------------------------------------------------------
// The line kinds, their conditions and the delay before each (ms, unscaled; **assumed** values).

const enum Cond {
  Always = 0,
  TlsIn = 1,
  TlsOut = 2,
  Auth = 3,
}

const enum L {
  IcidNew,
  IcidAccept,
  IcidReject,
  IcidRelay,
  IcidTls,
  MidStart,
  MidFrom,
  MidTo,
  Spf,
  MessageId,
  Subject,
  Ready,
  PolicyInbound,
  PolicyOutbound,
  IcidClose,
  Dkim,
  Dmarc,
  CaseInterimNegative,
  CaseNegative,
  CaseInterimPositive,
  CasePositive,
  IsqTag,
  AvInterimClean,
  AvNegative,
  AvInterimViral,
  AvPositive,
  OutbreakNegative,
  Queued,
  AbortedAv,
  AbortedCase,
  FinishedAborted,
  PolicyQuarantined,
  RpcStart,
  IsqQuarantined,
  RpcDone,
  DcidNew,
  DcidNewRetry,
  DcidTls,
  DeliveryStart,
  MessageDone,
  Response,
  Delayed,
  Pending,
  Bounced,
  FinishedDone,
  DcidClose,
}

/** [line kind, condition, min delay ms, max delay ms] before the line. */
const LINE_TABLE: readonly (readonly [L, Cond, number, number])[] = [
  [L.IcidNew, Cond.Always, 0, 0],
  [L.IcidAccept, Cond.Always, 0, 3],
  [L.IcidReject, Cond.Always, 0, 3],
  [L.IcidRelay, Cond.Always, 0, 3],
  [L.IcidTls, Cond.TlsIn, 20, 120],
  [L.MidStart, Cond.Always, 5, 400],
  [L.MidFrom, Cond.Always, 0, 2],
  [L.MidTo, Cond.Always, 1, 60],
  [L.Spf, Cond.Auth, 1, 40],
  [L.MessageId, Cond.Always, 30, 1500],
  [L.Subject, Cond.Always, 0, 1],
  [L.Ready, Cond.Always, 0, 2],
  [L.PolicyInbound, Cond.Always, 0, 2],
  [L.PolicyOutbound, Cond.Always, 0, 2],
  [L.IcidClose, Cond.Always, 0, 30],
  [L.Dkim, Cond.Auth, 1, 30],
  [L.Dmarc, Cond.Auth, 0, 5],
  [L.CaseInterimNegative, Cond.Always, 10, 400],
  [L.CaseNegative, Cond.Always, 0, 5],
  [L.CaseInterimPositive, Cond.Always, 10, 400],
  [L.CasePositive, Cond.Always, 0, 5],
  [L.IsqTag, Cond.Always, 0, 2],
  [L.AvInterimClean, Cond.Always, 5, 200],
  [L.AvNegative, Cond.Always, 0, 2],
  [L.AvInterimViral, Cond.Always, 5, 200],
  [L.AvPositive, Cond.Always, 0, 2],
  [L.OutbreakNegative, Cond.Always, 1, 50],
  [L.Queued, Cond.Always, 0, 5],
  [L.AbortedAv, Cond.Always, 0, 2],
  [L.AbortedCase, Cond.Always, 0, 2],
  [L.FinishedAborted, Cond.Always, 0, 1],
  [L.PolicyQuarantined, Cond.Always, 1, 20],
  [L.RpcStart, Cond.Always, 2, 40],
  [L.IsqQuarantined, Cond.Always, 1, 30],
  [L.RpcDone, Cond.Always, 0, 5],
  [L.DcidNew, Cond.Always, 5, 300],
  // The retry's delay is the soft-bounce retry time (plus up to 1 s for the queue to wake).
  [L.DcidNewRetry, Cond.Always, 0, 1000],
  [L.DcidTls, Cond.TlsOut, 20, 150],
  [L.DeliveryStart, Cond.Always, 5, 60],
  [L.MessageDone, Cond.Always, 20, 1500],
  [L.Response, Cond.Always, 0, 2],
  [L.Delayed, Cond.Always, 20, 800],
  [L.Pending, Cond.Always, 0, 1],
  [L.Bounced, Cond.Always, 20, 800],
  [L.FinishedDone, Cond.Always, 0, 2],
  [L.DcidClose, Cond.Always, 0, 20],
];

/** Message flags, drawn when a message arrives. */
const F_TLS_IN = 1;
const F_TLS_OUT = 2;
const F_AUTH = 4;
const F_TLS_IN_FAILS = 8;
const F_TLS_OUT_FAILS = 16;

const LINE_KINDS = LINE_TABLE.length;
const LINE_COND = new Uint8Array(LINE_KINDS);
/** The message flags a line kind needs (its condition as a bit mask). */
const LINE_MASK = new Uint8Array(LINE_KINDS);
const LINE_DELAY_MIN = new Float64Array(LINE_KINDS);
const LINE_DELAY_SPAN = new Float64Array(LINE_KINDS);
for (const [kind, cond, min, max] of LINE_TABLE) {
  LINE_COND[kind] = cond;
  LINE_MASK[kind] = [0, F_TLS_IN, F_TLS_OUT, F_AUTH][cond] as number;
  LINE_DELAY_MIN[kind] = min;
  LINE_DELAY_SPAN[kind] = max - min;
}

const INBOUND_HEAD = [
  L.IcidNew, L.IcidAccept, L.IcidTls, L.MidStart, L.MidFrom, L.MidTo, L.Spf, L.MessageId, L.Subject, L.Ready,
  L.PolicyInbound, L.IcidClose, L.Dkim, L.Dmarc,
];
const CLEAN_SCAN = [L.CaseInterimNegative, L.CaseNegative, L.AvInterimClean, L.AvNegative, L.OutbreakNegative, L.Queued];
const DELIVERY = [L.DcidNew, L.DcidTls, L.DeliveryStart, L.MessageDone, L.Response, L.FinishedDone, L.DcidClose];

/** The line script of each variant, in {@link MAIL_VARIANTS} order. */
const SCRIPTS: readonly Uint8Array[] = [
  /* delivered */ [...INBOUND_HEAD, ...CLEAN_SCAN, ...DELIVERY],
  /* rejected */ [L.IcidNew, L.IcidReject, L.IcidClose],
  /* relayed */ [
    L.IcidNew, L.IcidRelay, L.MidStart, L.MidFrom, L.MidTo, L.MessageId, L.Subject, L.Ready, L.PolicyOutbound, L.IcidClose,
    L.AvInterimClean, L.AvNegative, L.OutbreakNegative, L.Queued, ...DELIVERY,
  ],
  /* multipleRecipients */ [...INBOUND_HEAD, ...CLEAN_SCAN, ...DELIVERY],
  /* spamQuarantined */ [
    ...INBOUND_HEAD, L.CaseInterimPositive, L.CasePositive, L.IsqTag, L.AvInterimClean, L.AvNegative, L.OutbreakNegative,
    L.Queued, L.RpcStart, L.IsqQuarantined, L.RpcDone, L.FinishedDone,
  ],
  /* spamDropped */ [...INBOUND_HEAD, L.CaseInterimPositive, L.CasePositive, L.AbortedCase, L.FinishedAborted],
  /* virus */ [
    ...INBOUND_HEAD, L.CaseInterimNegative, L.CaseNegative, L.AvInterimViral, L.AvPositive, L.AbortedAv, L.FinishedAborted,
  ],
  /* softBounce */ [
    ...INBOUND_HEAD, ...CLEAN_SCAN, L.DcidNew, L.DcidTls, L.DeliveryStart, L.Delayed, L.Pending, L.DcidClose,
    L.DcidNewRetry, L.DcidTls, L.DeliveryStart, L.MessageDone, L.Response, L.FinishedDone, L.DcidClose,
  ],
  /* hardBounce */ [
    ...INBOUND_HEAD, ...CLEAN_SCAN, L.DcidNew, L.DcidTls, L.DeliveryStart, L.Bounced, L.FinishedDone, L.DcidClose,
  ],
  /* policyQuarantine */ [
    ...INBOUND_HEAD, L.CaseInterimNegative, L.CaseNegative, L.AvInterimClean, L.AvNegative, L.PolicyQuarantined,
  ],
].map((script) => Uint8Array.from(script));

/** The message flags that decide which lines of a script are written (the conditions' bits). */
const CONDITION_FLAGS = F_TLS_IN | F_TLS_OUT | F_AUTH;

/**
 * Each variant's script cut down to the lines a message with given condition flags writes, at
 * `variant × 8 + (flags & CONDITION_FLAGS)`: a step moves to the next entry instead of scanning
 * for the next line whose condition holds.
 */
const SCRIPTS_BY_FLAGS: readonly Uint8Array[] = SCRIPTS.flatMap((script) =>
  Array.from({ length: CONDITION_FLAGS + 1 }, (_, flags) => script.filter((kind) => (flags & (LINE_MASK[kind] as number)) === LINE_MASK[kind])),
);

const V_REJECTED = MAIL_VARIANTS.indexOf('rejected');
const V_RELAYED = MAIL_VARIANTS.indexOf('relayed');
const V_MULTIPLE = MAIL_VARIANTS.indexOf('multipleRecipients');

// Every text a message picks from the pools, built once: spawning a message concatenates nothing,
// and a line is its message's ID text plus one or two of these pieces. The pieces are joined, not
// concatenated: `+` makes a tree of its operands that every copy of a line walks again (each
// batch's join, twice for a line sent twice), while a joined string is one flat run of bytes.

/** `pieces` as one flat string (a join of two or more non-empty pieces copies them into one). */
function flat(...pieces: string[]): string {
  return pieces.join('');
}

/** The texts of lines naming a mailbox address, built once per address. */
interface AddressTexts {
  readonly address: string;
  /** ` From: <address>` */
  readonly from: string;
  /** ` SPF: mailfrom identity <address> Pass (v=spf1)` */
  readonly spf: string;
  /** ` bytes from <address>` */
  readonly bytesFrom: string;
  /** ` To: <address>` */
  readonly to: string;
  /** ` RID 0 To: <address>` (the first recipient's line, the usual one). */
  readonly rid0To: string;
}

function addressTexts(address: string): AddressTexts {
  return Object.freeze({
    address,
    from: flat(' From: <', address, '>'),
    spf: flat(' SPF: mailfrom identity ', address, ' Pass (v=spf1)'),
    bytesFrom: flat(' bytes from <', address, '>'),
    to: flat(' To: <', address, '>'),
    rid0To: flat(' RID 0 To: <', address, '>'),
  });
}

/** The texts of lines naming the sender's domain, built once per domain. */
interface DomainTexts {
  /** `@<domain>>'`, the end of a Message-ID line. */
  readonly messageIdEnd: string;
  /** ` DKIM: pass signature verified (d=<domain> s=<selector> i=@<domain>)`, by selector. */
  readonly dkim: readonly string[];
}

function domainTexts(domain: string): DomainTexts {
  return Object.freeze({
    messageIdEnd: flat('@', domain, ">'"),
    dkim: Object.freeze(DKIM_SELECTORS.map((selector) => flat(' DKIM: pass signature verified (d=', domain, ' s=', selector, ' i=@', domain, ')'))),
  });
}

/** `<local part>@example.com`, by local part. */
const LOCAL_ADDRESSES: readonly AddressTexts[] = LOCAL_PARTS.map((part) => addressTexts(flat(part, '@', LOCAL_DOMAIN)));
/** `<local part>@<remote domain>`, by remote domain, then local part. */
const REMOTE_ADDRESSES_BY_DOMAIN: readonly (readonly AddressTexts[])[] = REMOTE_DOMAINS.map((domain) => LOCAL_PARTS.map((part) => addressTexts(flat(part, '@', domain))));
const LOCAL_DOMAIN_TEXTS = domainTexts(LOCAL_DOMAIN);
const REMOTE_DOMAIN_TEXTS: readonly DomainTexts[] = REMOTE_DOMAINS.map(domainTexts);
/** ` reverse dns host mx<n>.<remote domain> verified yes`, by remote domain, then n − 1. */
const MX_REVERSE_DNS: readonly (readonly string[])[] = REMOTE_DOMAINS.map((domain) => [1, 2, 3, 4].map((n) => flat(' reverse dns host mx', String(n), '.', domain, ' verified yes')));
const RELAY_REVERSE_DNS: readonly string[] = RELAY_HOSTS.map((host) => flat(' reverse dns host ', host.name, ' verified yes'));
const UNKNOWN_REVERSE_DNS = ' reverse dns host unknown verified no';
const TLS_SUCCESS_TEXTS: readonly string[] = TLS_PARAMETERS.map((parameters) => flat(' TLS success ', parameters));
/** Sender-group verdicts by SBRS score index (BLOCKLIST −10.0…−3.1, SUSPECTLIST −3.0…−1.1, UNKNOWNLIST −1.0…10.0). */
const REJECT_VERDICTS: readonly string[] = SBRS_SCORES.map((score) => flat(' REJECT SG BLOCKLIST match sbrs[-10.0:-3.0] SBRS ', score, ' country not enabled'));
const SUSPECT_VERDICTS: readonly string[] = SBRS_SCORES.map((score) => flat(' ACCEPT SG SUSPECTLIST match sbrs[-3.0:-1.0] SBRS ', score, ' country not enabled'));
const UNKNOWN_VERDICTS: readonly string[] = SBRS_SCORES.map((score) => flat(' ACCEPT SG UNKNOWNLIST match sbrs[-1.0:10.0] SBRS ', score, ' country not enabled'));
const UNKNOWN_NONE_VERDICT = ' ACCEPT SG UNKNOWNLIST match sbrs[-1.0:10.0] SBRS None country not enabled';
const RELAY_VERDICT = ' RELAY SG RELAYLIST match 192.0.2.0/24 SBRS None country not enabled';
/** ` Subject '<subject>'`, by subject. */
const SUBJECT_TEXTS: readonly string[] = SUBJECTS.map((subject) => flat(" Subject '", subject, "'"));
/** ` RID <n>` for the `To:` lines after the first. */
const RID_TEXTS: readonly string[] = Array.from({ length: MAX_RECIPIENTS_LIMIT }, (_, index) => flat(' RID ', String(index)));
/** ` to RID [0, …]`, by recipient count. */
const TO_RID_TEXTS: readonly string[] = RID_LISTS.map((list) => flat(' to RID ', list));
/** ` to RID [0, …] ` (with the trailing space of `Message done`), by recipient count. */
const TO_RID_SPACE_TEXTS: readonly string[] = RID_LISTS.map((list) => flat(' to RID ', list, ' '));
/** ` RID [0, …] Response '2.0.0 Ok: queued as `, by recipient count. */
const RESPONSE_TEXTS: readonly string[] = RID_LISTS.map((list) => flat(' RID ', list, " Response '2.0.0 Ok: queued as "));


/**
 * The expected number of lines of one mail event of the resolved mix (status lines excluded),
 * computed from the same scripts the generator runs.
 */
export function expectedMailLinesPerMessage(options: Pick<
  ResolvedMailLogsOptions,
  'mix' | 'maxRecipients' | 'tlsInboundRatio' | 'tlsOutboundRatio' | 'authenticationRatio'
>): number {
  const probability = [1, options.tlsInboundRatio, options.tlsOutboundRatio, options.authenticationRatio];
  let total = 0;
  let weightSum = 0;
  MAIL_VARIANTS.forEach((variant, index) => {
    const weight = options.mix[variant];
    if (!(weight > 0)) return;
    const recipients = index === V_MULTIPLE ? (2 + options.maxRecipients) / 2 : 1;
    let lines = 0;
    for (const kind of SCRIPTS[index] as Uint8Array) {
      lines += (probability[LINE_COND[kind] as number] as number) * (kind === L.MidTo ? recipients : 1);
    }
    total += weight * lines;
    weightSum += weight;
  });
  return total / weightSum;
}

function ratio(option: string, value: unknown, fallback: number): number {
  return value === undefined ? fallback : expectNumber(option, value, 0, 1);
}

function startId(option: string, value: unknown): number {
  return value === undefined ? 1 : expectInteger(option, value, 1, MAX_START_ID);
}

function interfaceText(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0 || value.length > 64 || /[\u0000-\u001f\u007f()]/.test(value)) {
    throw new InvalidOptionError(option, value, 'a text of 1-64 characters without control characters or parentheses');
  }
  return value;
}

/**
 * Validates and defaults {@link MailLogsGeneratorOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the option, the value and what is
 * allowed: a negative or infinite rate, both rates at once, a ratio outside 0…1, a mix with a
 * negative weight, an unknown variant or a zero sum, an unknown key…
 */
export function resolveMailLogsOptions(input: MailLogsGeneratorOptions = {}): ResolvedMailLogsOptions {
  const options = expectOptionsObject(input, 'the mail_logs generator', MAIL_LOGS_OPTION_KEYS) as MailLogsGeneratorOptions;
  const base = resolveGeneratorBaseOptions(options);
  if (options.messagesPerSecond !== undefined && options.linesPerSecond !== undefined) {
    throw new InvalidOptionError('linesPerSecond', options.linesPerSecond, 'left out when messagesPerSecond is given (give one rate)');
  }
  const mixWeights = options.mix === undefined ? MAIL_VARIANTS.map((variant) => DEFAULT_MAIL_MIX[variant]) : resolveWeights('mix', options.mix, MAIL_VARIANTS);
  const mix = Object.freeze(Object.fromEntries(MAIL_VARIANTS.map((variant, index) => [variant, mixWeights[index] as number]))) as Readonly<
    Record<MailVariant, number>
  >;
  const maxRecipients = options.maxRecipients === undefined ? 5 : expectInteger('maxRecipients', options.maxRecipients, 2, MAX_RECIPIENTS_LIMIT);
  const tlsInboundRatio = ratio('tlsInboundRatio', options.tlsInboundRatio, 0.6);
  const tlsOutboundRatio = ratio('tlsOutboundRatio', options.tlsOutboundRatio, 0.7);
  const tlsFailureRatio = ratio('tlsFailureRatio', options.tlsFailureRatio, 0.02);
  const authenticationRatio = ratio('authenticationRatio', options.authenticationRatio, 0.8);
  const statusIntervalMs = resolveStatusIntervalMs('statusIntervalMs', options.statusIntervalMs, true);
  const processingTimeScale = options.processingTimeScale === undefined ? 1 : expectNumber('processingTimeScale', options.processingTimeScale, 0, 1000);
  const softBounceRetryMs = options.softBounceRetryMs === undefined ? 60_000 : expectNumber('softBounceRetryMs', options.softBounceRetryMs, 0, 86_400_000);

  let messagesPerSecond: number;
  let linesPerSecond: number | undefined;
  if (options.linesPerSecond !== undefined) {
    linesPerSecond = expectRate('linesPerSecond', options.linesPerSecond);
    const statusLinesPerSecond = statusIntervalMs > 0 ? 1000 / statusIntervalMs : 0;
    const perMessage = expectedMailLinesPerMessage({ mix, maxRecipients, tlsInboundRatio, tlsOutboundRatio, authenticationRatio });
    messagesPerSecond = Math.max(0, linesPerSecond - statusLinesPerSecond) / perMessage;
  } else {
    messagesPerSecond = options.messagesPerSecond === undefined ? DEFAULT_MESSAGES_PER_SECOND : expectRate('messagesPerSecond', options.messagesPerSecond);
  }

  return Object.freeze({
    ...base,
    messagesPerSecond,
    linesPerSecond,
    mix,
    maxRecipients,
    tlsInboundRatio,
    tlsOutboundRatio,
    tlsFailureRatio,
    authenticationRatio,
    statusIntervalMs,
    processingTimeScale,
    softBounceRetryMs,
    messageDoneTrailingSpace: options.messageDoneTrailingSpace === undefined ? true : expectBoolean('messageDoneTrailingSpace', options.messageDoneTrailingSpace),
    startIcid: startId('startIcid', options.startIcid),
    startMid: startId('startMid', options.startMid),
    startDcid: startId('startDcid', options.startDcid),
    startRcid: startId('startRcid', options.startRcid),
    interfaceName: interfaceText('interfaceName', options.interfaceName, 'Data 1'),
    interfaceAddress: interfaceText('interfaceAddress', options.interfaceAddress, '192.0.2.12'),
  });
}

/** The texts naming the listener's interface and a peer, built once per interface. */
interface InterfaceTexts {
  /** ` interface <name> (<address>) address <client>`, by remote address. */
  readonly remoteClients: readonly string[];
  /** The same, by relay host. */
  readonly relayClients: readonly string[];
  /** ` interface <address> address <destination> port 25`, by remote address. */
  readonly remoteDestinations: readonly string[];
  /** The same, by internal mail server. */
  readonly internalDestinations: readonly string[];
}

/** Interface texts of the last few interfaces (most generators use the default one). */
const interfaceTextsCache = new Map<string, InterfaceTexts>();
const INTERFACE_TEXTS_CACHE_SIZE = 8;

function interfaceTexts(interfaceName: string, interfaceAddress: string): InterfaceTexts {
  const key = interfaceName + '\u0000' + interfaceAddress;
  let texts = interfaceTextsCache.get(key);
  if (texts === undefined) {
    const icidPrefix = ' interface ' + interfaceName + ' (' + interfaceAddress + ') address ';
    const dcidInterface = ' interface ' + interfaceAddress + ' address ';
    texts = Object.freeze({
      remoteClients: REMOTE_ADDRESSES.map((address) => flat(icidPrefix, address)),
      relayClients: RELAY_HOSTS.map((host) => flat(icidPrefix, host.address)),
      remoteDestinations: REMOTE_ADDRESSES.map((address) => flat(dcidInterface, address, ' port 25')),
      internalDestinations: INTERNAL_MAIL_SERVERS.map((address) => flat(dcidInterface, address, ' port 25')),
    });
    if (interfaceTextsCache.size >= INTERFACE_TEXTS_CACHE_SIZE) interfaceTextsCache.clear();
    interfaceTextsCache.set(key, texts);
  }
  return texts;
}

/** One message (or rejected connection) in flight. */
class MailMessage extends Actor {
  pc = 0;
  rcptIndex = 0;
  rcptCount = 1;
  flags = 0;
  /** `ICID 12`, `MID 34`, `DCID 56`, `RCID 7` once assigned. */
  icidText = '';
  midText = '';
  dcidText = '';
  rcidText = '';
  /** ` MID 34` (short: a flat string) for the lines that name it after a DCID or RCID. */
  spaceMidText = '';
  /** `MID 34 ICID 12` for the envelope lines. */
  envelopePrefix = '';
  mid = 0;
  /** ` interface … address <client address>` (the generator's interface). */
  clientText = '';
  /** ` reverse dns host <name> verified yes` (or `unknown verified no`). */
  reverseDnsText = '';
  /** The sender-group verdict after `ICID n` (`ACCEPT SG UNKNOWNLIST match … SBRS 1.2 country not enabled`). */
  verdictText = '';
  tlsInText = '';
  tlsOutText = '';
  sender: AddressTexts = LOCAL_ADDRESSES[0] as AddressTexts;
  senderDomain: DomainTexts = LOCAL_DOMAIN_TEXTS;
  /** The addresses a `To:` picks from: the recipient domain's, by local part. */
  recipients: readonly AddressTexts[] = LOCAL_ADDRESSES;
  firstRecipient = '';
  subjectText = '';
  sizeBytes = 0;
  /** ` interface <address> address <destination> port 25` */
  destinationText = '';
  retryAtMs = 0;

  constructor(
    t: number,
    readonly script: Uint8Array,
  ) {
    super();
    this.t = t;
  }
}

const INFO: LogLevel = 'Information';
const WARNING: LogLevel = 'Warning';
const TLS_IN_FAILURE = " TLS failed: (336151574, 'error:14094416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown')";
const TLS_OUT_FAILURE = " TLS failed: (336130315, 'error:1408F10B:SSL routines:ssl3_get_record:wrong version number')";

class MailLogsGenerator extends ScheduledGenerator<Actor> {
  readonly logType = 'mail_logs';
  readonly #options: ResolvedMailLogsOptions;
  readonly #mix: Float64Array;
  readonly #delayMin: Float64Array;
  readonly #delaySpan: Float64Array;
  readonly #counters: StatusCounters;
  readonly #clientTexts: readonly string[];
  readonly #relayClientTexts: readonly string[];
  readonly #remoteDestinationTexts: readonly string[];
  readonly #internalDestinationTexts: readonly string[];
  readonly #messageDoneEnds: readonly string[];
  #nextIcid: number;
  #nextMid: number;
  #nextDcid: number;
  #nextRcid: number;
  #originMs = 0;
  #statusTimer: TimerActor | undefined;
  /** The level of the line {@link #lineText} just wrote (it sets Warning; step() resets it). */
  #level: LogLevel = INFO;

  constructor(options: ResolvedMailLogsOptions) {
    super(options, options.messagesPerSecond);
    this.#options = options;
    this.#mix = cumulativeWeights(MAIL_VARIANTS.map((variant) => options.mix[variant]));
    this.#delayMin = LINE_DELAY_MIN.map((ms) => ms * options.processingTimeScale);
    this.#delaySpan = LINE_DELAY_SPAN.map((ms) => ms * options.processingTimeScale);
    this.#counters = createStatusCounters({ icid: options.startIcid, mid: options.startMid, dcid: options.startDcid });
    this.#nextIcid = options.startIcid;
    this.#nextMid = options.startMid;
    this.#nextDcid = options.startDcid;
    this.#nextRcid = options.startRcid;
    const texts = interfaceTexts(options.interfaceName, options.interfaceAddress);
    this.#clientTexts = texts.remoteClients;
    this.#relayClientTexts = texts.relayClients;
    this.#remoteDestinationTexts = texts.remoteDestinations;
    this.#internalDestinationTexts = texts.internalDestinations;
    this.#messageDoneEnds = options.messageDoneTrailingSpace ? TO_RID_SPACE_TEXTS : TO_RID_TEXTS;
  }

  protected override onStart(originMs: number): void {
    this.#originMs = originMs;
    const intervalMs = this.#options.statusIntervalMs;
    if (intervalMs > 0) {
      this.#statusTimer = new TimerActor(originMs + intervalMs, intervalMs);
      this.schedule(this.#statusTimer);
    }
  }

  protected spawn(timeMs: number): MailMessage {
    const random = this.random;
    const options = this.#options;
    const variant = pickWeighted(this.#mix, random.next());
    let flags = 0;
    if (random.next() < options.tlsInboundRatio) flags |= F_TLS_IN;
    if (random.next() < options.tlsFailureRatio) flags |= F_TLS_IN_FAILS;
    if (random.next() < options.tlsOutboundRatio) flags |= F_TLS_OUT;
    if (random.next() < options.tlsFailureRatio) flags |= F_TLS_OUT_FAILS;
    if (random.next() < options.authenticationRatio) flags |= F_AUTH;
    const message = new MailMessage(timeMs, SCRIPTS_BY_FLAGS[variant * (CONDITION_FLAGS + 1) + (flags & CONDITION_FLAGS)] as Uint8Array);
    message.flags = flags;
    if (variant === V_MULTIPLE) message.rcptCount = 2 + Math.floor(random.next() * (options.maxRecipients - 1));

    // Draws in the same order as ever: the texts come from tables instead of concatenation.
    const localPart = Math.floor(random.next() * LOCAL_PARTS.length);
    const remoteDomain = Math.floor(random.next() * REMOTE_DOMAINS.length);
    if (variant === V_RELAYED) {
      const host = Math.floor(random.next() * RELAY_HOSTS.length);
      message.clientText = this.#relayClientTexts[host] as string;
      message.reverseDnsText = RELAY_REVERSE_DNS[host] as string;
      message.sender = LOCAL_ADDRESSES[localPart] as AddressTexts;
      message.senderDomain = LOCAL_DOMAIN_TEXTS;
      message.recipients = REMOTE_ADDRESSES_BY_DOMAIN[remoteDomain] as readonly AddressTexts[];
      message.destinationText = this.#remoteDestinationTexts[Math.floor(random.next() * REMOTE_ADDRESSES.length)] as string;
      message.verdictText = RELAY_VERDICT;
    } else {
      message.clientText = this.#clientTexts[Math.floor(random.next() * REMOTE_ADDRESSES.length)] as string;
      message.reverseDnsText = random.next() < 0.3 ? UNKNOWN_REVERSE_DNS : ((MX_REVERSE_DNS[remoteDomain] as readonly string[])[Math.floor(random.next() * 4)] as string);
      message.sender = (REMOTE_ADDRESSES_BY_DOMAIN[remoteDomain] as readonly AddressTexts[])[localPart] as AddressTexts;
      message.senderDomain = REMOTE_DOMAIN_TEXTS[remoteDomain] as DomainTexts;
      message.recipients = LOCAL_ADDRESSES;
      message.destinationText = this.#internalDestinationTexts[Math.floor(random.next() * INTERNAL_MAIL_SERVERS.length)] as string;
      // Sender reputation: BLOCKLIST −10.0…−3.1; SUSPECTLIST −3.0…−1.1; UNKNOWNLIST −1.0…10.0 or None.
      if (variant === V_REJECTED) {
        message.verdictText = REJECT_VERDICTS[Math.floor(random.next() * 70)] as string;
      } else if (random.next() < 0.15) {
        message.verdictText = SUSPECT_VERDICTS[70 + Math.floor(random.next() * 20)] as string;
      } else {
        message.verdictText = random.next() < 0.1 ? UNKNOWN_NONE_VERDICT : (UNKNOWN_VERDICTS[90 + Math.floor(random.next() * 111)] as string);
      }
    }
    message.tlsInText = TLS_SUCCESS_TEXTS[Math.floor(random.next() * TLS_PARAMETERS.length)] as string;
    message.tlsOutText = TLS_SUCCESS_TEXTS[Math.floor(random.next() * TLS_PARAMETERS.length)] as string;
    message.subjectText = SUBJECT_TEXTS[Math.floor(random.next() * SUBJECTS.length)] as string;
    // Sizes from 1 KB to about 2 MB, skewed small.
    const u = random.next();
    message.sizeBytes = 900 + Math.floor(u * u * u * 2_000_000) + Math.floor(random.next() * 4000);
    return message;
  }

  protected step(actor: Actor, out: LogRecord[]): boolean {
    const timer = this.#statusTimer;
    if (actor === timer && timer !== undefined) {
      this.emit(out, timer.t, INFO, formatStatusText(this.#counters, this.random, (timer.t - this.#originMs) / 1000));
      timer.t += timer.intervalMs;
      return true;
    }
    const message = actor as MailMessage;
    const script = message.script;
    const kind = script[message.pc] as L;
    // The record is made here rather than through emit(): one call less per line, and no boxed
    // time to pass (a fractional time is a heap number when it crosses a call).
    const text = this.#lineText(message, kind);
    out.push({ timeMs: Math.floor(message.t), level: this.#level, text });
    this.#level = INFO;

    let nextKind: L;
    if (kind === L.MidTo && ++message.rcptIndex < message.rcptCount) {
      nextKind = L.MidTo;
    } else {
      const pc = message.pc + 1;
      if (pc >= script.length) return false;
      message.pc = pc;
      nextKind = script[pc] as L;
    }
    let delay = (this.#delayMin[nextKind] as number) + this.random.next() * (this.#delaySpan[nextKind] as number);
    if (nextKind === L.DcidNewRetry) delay += Math.max(0, message.retryAtMs - message.t);
    message.t += delay;
    return true;
  }

  /** The text of `m`'s line of `kind` (at Information level unless it sets {@link #level}). */
  #lineText(m: MailMessage, kind: L): string {
    const counters = this.#counters;
    switch (kind) {
      case L.IcidNew: {
        const icid = this.#nextIcid++;
        counters.crtIcid = icid;
        counters.crtCncIn++;
        m.icidText = 'ICID ' + icid;
        return 'New SMTP ' + m.icidText + m.clientText + m.reverseDnsText;
      }
      case L.IcidAccept:
      case L.IcidRelay:
        return m.icidText + m.verdictText;
      case L.IcidReject:
        counters.rejRcp++;
        return m.icidText + m.verdictText;
      case L.IcidTls:
        if ((m.flags & F_TLS_IN_FAILS) === 0) return m.icidText + m.tlsInText;
        this.#level = WARNING;
        return m.icidText + TLS_IN_FAILURE;
      case L.MidStart: {
        const mid = this.#nextMid++;
        counters.crtMid = mid;
        m.mid = mid;
        m.midText = 'MID ' + mid;
        m.spaceMidText = ' MID ' + mid;
        m.envelopePrefix = m.midText + ' ' + m.icidText;
        return 'Start ' + m.envelopePrefix;
      }
      case L.MidFrom:
        return m.envelopePrefix + m.sender.from;
      case L.MidTo: {
        const recipient = m.recipients[Math.floor(this.random.next() * LOCAL_PARTS.length)] as AddressTexts;
        if (m.rcptIndex !== 0) return m.envelopePrefix + RID_TEXTS[m.rcptIndex] + recipient.to;
        m.firstRecipient = recipient.address;
        return m.envelopePrefix + recipient.rid0To;
      }
      case L.Spf:
        return m.midText + m.sender.spf;
      case L.MessageId:
        return m.midText + " Message-ID '<" + (hexUint32(this.random.next() * 4294967296) + '.' + m.mid) + m.senderDomain.messageIdEnd;
      case L.Subject:
        return m.midText + m.subjectText;
      case L.Ready:
        counters.injMsg++;
        counters.injRcp += m.rcptCount;
        counters.actvRcp += m.rcptCount;
        counters.injBytes += m.sizeBytes;
        return m.midText + ' ready ' + m.sizeBytes + m.sender.bytesFrom;
      case L.PolicyInbound:
        return m.midText + ' matched all recipients for per-recipient policy DEFAULT in the inbound table';
      case L.PolicyOutbound:
        return m.midText + ' matched all recipients for per-recipient policy DEFAULT in the outbound table';
      case L.IcidClose:
        counters.crtCncIn--;
        return m.icidText + ' close';
      case L.Dkim:
        return m.midText + m.senderDomain.dkim[m.mid % DKIM_SELECTORS.length];
      case L.Dmarc:
        return m.midText + ' DMARC: Verification passed';
      case L.CaseInterimNegative:
        return m.midText + ' interim verdict using engine: CASE spam negative';
      case L.CaseNegative:
        return m.midText + ' using engine: CASE spam negative';
      case L.CaseInterimPositive:
        return m.midText + ' interim verdict using engine: CASE spam positive';
      case L.CasePositive:
        return m.midText + ' using engine: CASE spam positive';
      case L.IsqTag:
        return 'ISQ: Tagging ' + m.midText + ' for quarantine';
      case L.AvInterimClean:
        return m.midText + ' interim AV verdict using Sophos CLEAN';
      case L.AvNegative:
        return m.midText + ' antivirus negative';
      case L.AvInterimViral:
        return m.midText + ' interim AV verdict using Sophos VIRAL';
      case L.AvPositive:
        return m.midText + " antivirus positive '" + VIRUS_NAMES[m.mid % VIRUS_NAMES.length] + "'";
      case L.OutbreakNegative:
        return m.midText + ' Outbreak Filters: verdict negative';
      case L.Queued:
        return m.midText + ' queued for delivery';
      case L.AbortedAv:
        this.#completeDropped(m);
        return 'Message aborted ' + m.midText + ' Dropped by antivirus';
      case L.AbortedCase:
        this.#completeDropped(m);
        return 'Message aborted ' + m.midText + ' Dropped by CASE';
      case L.FinishedAborted:
        return 'Message finished ' + m.midText + ' aborted';
      case L.PolicyQuarantined:
        counters.quarMsgs++;
        counters.actvRcp -= m.rcptCount;
        return m.midText + ' quarantined to "Policy" (content filter:quarantine_attachments)';
      case L.RpcStart: {
        m.rcidText = 'RCID ' + this.#nextRcid++;
        return 'RPC Delivery start ' + m.rcidText + m.spaceMidText + ' to local IronPort Spam Quarantine';
      }
      case L.IsqQuarantined:
        counters.quarMsgs++;
        return 'ISQ: Quarantined ' + m.midText;
      case L.RpcDone:
        counters.cmpRcp += m.rcptCount;
        counters.actvRcp -= m.rcptCount;
        return 'RPC Message done ' + m.rcidText + m.spaceMidText;
      case L.DcidNew:
      case L.DcidNewRetry: {
        const dcid = this.#nextDcid++;
        counters.crtDcid = dcid;
        counters.crtCncOut++;
        m.dcidText = 'DCID ' + dcid;
        return 'New SMTP ' + m.dcidText + m.destinationText;
      }
      case L.DcidTls:
        if ((m.flags & F_TLS_OUT_FAILS) === 0) return m.dcidText + m.tlsOutText;
        this.#level = WARNING;
        return m.dcidText + TLS_OUT_FAILURE;
      case L.DeliveryStart:
        return 'Delivery start ' + m.dcidText + m.spaceMidText + TO_RID_TEXTS[m.rcptCount];
      case L.MessageDone:
        counters.dlvRcp += m.rcptCount;
        counters.cmpRcp += m.rcptCount;
        counters.actvRcp -= m.rcptCount;
        // The trailing space is the appliance's: captured lines end in "to RID [0] ".
        return 'Message done ' + m.dcidText + m.spaceMidText + this.#messageDoneEnds[m.rcptCount];
      case L.Response:
        return m.midText + RESPONSE_TEXTS[m.rcptCount] + (base36UpperUint32(this.random.next() * 4294967296) + "'");
      case L.Delayed:
        counters.sftBncEvnt++;
        return 'Delayed: ' + m.dcidText + m.spaceMidText + " to RID 0 - 4.1.0 - Unknown address error ('466', ['Mailbox temporarily full.'])[]";
      case L.Pending:
        m.retryAtMs = m.t + this.#options.softBounceRetryMs;
        return 'Message ' + m.mid + ' to RID [0] pending till ' + formatCtime(m.retryAtMs, this.utcOffsetSeconds);
      case L.Bounced:
        counters.hrdBncRcp++;
        counters.fiveXxHrdBnc++;
        counters.genBncRcp++;
        counters.cmpRcp++;
        counters.actvRcp--;
        return 'Bounced: ' + m.dcidText + m.spaceMidText + " to RID 0 - 5.1.0 - Unknown address error ('550', ['5.1.1 <" + m.firstRecipient + ">... User unknown']) []";
      case L.FinishedDone:
        return 'Message finished ' + m.midText + ' done';
      case L.DcidClose:
        counters.crtCncOut--;
        return m.dcidText + ' close';
    }
  }

  #completeDropped(m: MailMessage): void {
    this.#counters.drpMsg++;
    this.#counters.cmpRcp += m.rcptCount;
    this.#counters.actvRcp -= m.rcptCount;
  }
}

/**
 * A generator of `mail_logs` (text mail logs): whole message lifecycles in the mix asked for,
 * interleaved as on a busy appliance, with IDs that increase like the appliance's counters, TLS
 * and SPF/DKIM/DMARC lines, and a `Status: …` line every `statusIntervalMs`. Lines are at
 * Information level, except failed TLS negotiations at Warning.
 *
 * The rate is `messagesPerSecond` (mail events: messages and rejected connections) or
 * `linesPerSecond`; arrivals are a Poisson process from the seed, or evenly spaced with
 * `arrival: 'uniform'`. With the default mix an event writes about 21 lines.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for invalid options (see
 * {@link resolveMailLogsOptions}).
 * @example
 * ```ts
 * const mail = createMailLogsGenerator({ seed: 42, linesPerSecond: 500, startMid: 64855 });
 * const out: LogRecord[] = [];
 * mail.generate(Date.UTC(2026, 5, 25, 6, 50), Date.UTC(2026, 5, 25, 6, 51), out); // ≈ 30,000 lines
 * ```
 */
export function createMailLogsGenerator(options: MailLogsGeneratorOptions = {}): LogGenerator {
  return new MailLogsGenerator(resolveMailLogsOptions(options));
}
