export {
  FAULT_TYPES,
  FAULT_ACTIONS,
  WRAPPER_FIELDS,
  MAX_FAULT_COUNT,
  BaseFault,
  isInWindow,
  formatCliDuration,
  formatCliSize,
  type FaultType,
  type FaultWrapper,
  type FaultSpecBase,
  type FaultScope,
  type FaultAction,
  type AcceptAction,
  type EndAction,
  type Fault,
  type FaultDefinition,
  type ConnectContext,
  type BytesContext,
  type BytesDecision,
  type MessageContext,
  type MessageDecision,
  type DelayContext,
  type DelayDecision,
  type DatagramAction,
  type TokenBucketState,
} from './fault.js';
export {
  FAULT_DEFINITIONS,
  resolveFaultSpec,
  createFault,
  isFaultType,
  type FaultSpec,
  type FaultSpecOf,
} from './spec.js';
export {
  parseFault,
  formatFault,
  resolveFaultInput,
  resolveFaultInputs,
  buildFault,
  FAULT_CLI_FORMS,
  FAULT_WRAPPER_FORMS,
  type FaultInput,
} from './parse-fault.js';
export {
  FaultEngine,
  resolveFaultEngineOptions,
  type FaultEngineOptions,
  type ResolvedFaultEngineOptions,
  type FaultEvent,
  type FaultStats,
  type ConnectionMeta,
  type ConnectionFaults,
  type ConnectionBytesDecision,
  type ConnectionMessageDecision,
  type DatagramMeta,
  type DatagramDecision,
} from './fault-engine.js';
export { ResetAfterBytesFault, createResetAfterBytesFault, type ResetAfterBytesSpec } from './reset-after-bytes.js';
export { ResetAfterMessagesFault, createResetAfterMessagesFault, type ResetAfterMessagesSpec } from './reset-after-messages.js';
export { ResetOnConnectFault, createResetOnConnectFault, type ResetOnConnectSpec } from './reset-on-connect.js';
export { RefuseFault, createRefuseFault, type RefuseSpec } from './refuse.js';
export { BusyFault, createBusyFault, type BusySpec } from './busy.js';
export { CloseAfterMessagesFault, createCloseAfterMessagesFault, type CloseAfterMessagesSpec } from './close-after-messages.js';
export { IdleTimeoutFault, createIdleTimeoutFault, type IdleTimeoutSpec } from './idle-timeout.js';
export { StallFault, createStallFault, type StallSpec } from './stall.js';
export { LatencyFault, createLatencyFault, type LatencySpec } from './latency.js';
export { BandwidthFault, createBandwidthFault, drainTokenBucket, type BandwidthSpec } from './bandwidth.js';
export { DropFault, createDropFault, type DropSpec } from './drop.js';
export { TruncateFault, createTruncateFault, type TruncateSpec } from './truncate.js';
