/**
 * esa-logsim: simulate a Cisco Email Security Appliance forwarding its log subscriptions to
 * syslog, break the network on purpose, and account for every log line.
 *
 * This entry point holds what an application needs: the appliance model, the transports, the
 * syslog formatter and parser, framing, generators, the ledger and the errors. Test harness tools
 * (receiver, fault proxy, faults, virtual clock and network) are in `esa-logsim/testing`.
 *
 * @packageDocumentation
 */

// Errors, randomness, units, vocabulary
export * from './core/errors.js';
export { type Random, type Seed, seededRandom } from './core/random.js';
export * from './core/vocabulary.js';
export { parseDurationMs, parseByteSize, formatDurationMs, MAX_DURATION_MS } from './core/units.js';
export { VERSION } from './core/version.js';
export type { LogRecord } from './core/log-record.js';

// Wire format: options, formatter, parser, framing, long lines, logfile and alert texts
export {
  resolveSubscriptionOptions,
  parseLogLevel,
  SYSLOG_PROTOCOLS,
  TIMESTAMP_PADDINGS,
  DEFAULT_SYSLOG_PORT,
  SUBSCRIPTION_NAME_PATTERN,
  type SubscriptionOptions,
  type ResolvedSubscriptionOptions,
  type SyslogProtocol,
  type TimestampPadding,
} from './core/subscription-options.js';
export {
  SyslogFormatter,
  createSyslogFormatter,
  formatSyslogTimestamp,
  syslogPri,
  type SyslogFormatSubscription,
  type SyslogFormatterOptions,
} from './core/syslog-format.js';
export {
  parseSyslogLine,
  type ParseResult,
  type ParsedSyslogLine,
  type SyslogTimestamp,
  type SyslogParseError,
} from './core/syslog-parse.js';
export {
  encodeFrames,
  FrameDecoder,
  utf8ByteLength,
  FRAMINGS,
  DEFAULT_MAX_FRAME_BYTES,
  type Framing,
  type EncodedBatch,
  type FrameDecoderOptions,
  type DecodedFrame,
  type FrameDecodeResult,
} from './core/framing.js';
export {
  applyLongLineRule,
  resolveLongLinePolicy,
  LONG_LINE_RULES,
  DEFAULT_LONG_LINE_POLICY,
  type LongLineRule,
  type LongLineAction,
  type LongLinePolicy,
  type LongLineOptions,
  type LongLineResult,
} from './core/long-lines.js';
export {
  logfileHeaderTexts,
  logfileTrailerTexts,
  resolveLogfileIdentity,
  DEFAULT_ASYNCOS_VERSION,
  DEFAULT_SERIAL_NUMBER,
  type LogfileIdentity,
  type LogfileIdentityOptions,
} from './core/logfile.js';
export {
  logErrorText,
  connectFailedText,
  alertSubject,
  alertSentText,
  nextDuplicateAlertWaitMs,
  duplicateAlertWaitsMs,
  resolveDuplicateAlertOptions,
  DEFAULT_ALERT_SUBJECT_TEXT_CHARS,
  DEFAULT_DUPLICATE_ALERT_OPTIONS,
  type AlertDescription,
  type DuplicateAlertOptions,
} from './core/esa-messages.js';
export { retryDelayMs, resolveRetryBackoffOptions, DEFAULT_RETRY_BACKOFF, type RetryBackoffOptions } from './core/backoff.js';

// The ledger
export {
  Ledger,
  LedgerStream,
  DROP_REASONS,
  LEDGER_EVIDENCE,
  UDP_MATCH_CHARS,
  type LedgerOptions,
  type ReconcileOptions,
  type ReconcileReport,
  type LedgerCounts,
  type LedgerEvidence,
  type LineFate,
  type DropReason,
  type FateRun,
  type DelayStats,
  type DeliveryObserver,
  type MessageReceivedEvidence,
  type ConnectionEndedEvidence,
  type IdRun,
} from './core/ledger.js';

// Time and sockets
export type * from './core/network.js';
export { endpointKey } from './core/network.js';
export { type Clock, type Timer, sleep, systemClock } from './clock/index.js';
export { nodeNetwork } from './net/node-network.js';

// Transports
export type * from './transports/transport.js';
export { classifySocketError, type SocketErrorContext, type SocketErrorPhase } from './transports/classify-error.js';
export {
  TcpTransport,
  resolveTcpTransportOptions,
  type TcpTransportOptions,
  type TcpKeepAliveOptions,
  type ResolvedTcpTransportOptions,
} from './transports/tcp-transport.js';
export {
  UdpTransport,
  resolveUdpTransportOptions,
  MAX_UDP4_DATAGRAM_BYTES,
  MAX_UDP6_DATAGRAM_BYTES,
  type UdpTransportOptions,
  type ResolvedUdpTransportOptions,
} from './transports/udp-transport.js';

// Generators
export * from './generators/index.js';

// The appliance
export {
  Appliance,
  type ApplianceOptions,
  type AddSubscriptionOptions,
  type ApplianceEvents,
  type LogWrittenEvent,
  type AlertSentEvent,
  type AlertSuppressedEvent,
} from './appliance/appliance.js';
export {
  Subscription,
  resolveSchedulerOptions,
  IDLE_CLOSE_DETECTIONS,
  type SchedulerOptions,
  type IdleCloseDetection,
  type SubscriptionEvents,
  type SubscriptionStats,
  type PushSentEvent,
  type PushFailedEvent,
  type LogfileStartedEvent,
  type LinesDroppedEvent,
} from './appliance/subscription.js';
export {
  resolvePolicy,
  parsePolicy,
  OVERFLOW_RULES,
  DEFAULT_BUFFER_LINES,
  DEFAULT_RETRIES,
  DEFAULT_MAX_QUEUED_LINES,
  type PolicySpec,
  type PolicyFunction,
  type PolicyContext,
  type PolicyDecision,
  type ResolvedPolicy,
  type RetrySettings,
  type OverflowRule,
} from './appliance/policy.js';
export { type AlertOptions, type SentAlert, DEFAULT_ALERT_RECIPIENTS } from './appliance/alert-engine.js';

// Fault specs as data (for scenario authors); the engine and actors are in esa-logsim/testing
export { parseFault, formatFault, resolveFaultSpec, FAULT_TYPES, type FaultSpec, type FaultType, type FaultInput } from './faults/index.js';
