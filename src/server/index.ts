/**
 * The receiving side: `SyslogServer` (TCP and UDP, over any `Network`, with receiver-side
 * faults and ledger evidence) and `FaultProxy` (a fault-injecting TCP proxy / UDP relay in front
 * of any receiver).
 *
 * @module
 */

export {
  SyslogServer,
  resolveSyslogServerOptions,
  DEFAULT_SERVER_MAX_MESSAGE_BYTES,
  DEFAULT_SERVER_MAX_CONNECTIONS,
  DEFAULT_SERVER_RECORD_LIMIT,
  DEFAULT_WAIT_TIMEOUT_MS,
  type SyslogServerOptions,
  type ResolvedSyslogServerOptions,
  type SyslogServerEvents,
  type SyslogServerStats,
  type ServerProtocol,
  type PeerAddress,
  type ReceivedMessage,
  type ServerConnectionRef,
  type ConnectionCloseReason,
  type MessageReceivedEvent,
  type MessageOversizeEvent,
  type ServerConnectionOpenedEvent,
  type ServerConnectionClosedEvent,
  type ServerConnectionResetEvent,
  type FaultAppliedEvent,
  type ListenerEvent,
  type ListenerFailedEvent,
  type WaitCondition,
  type WaitForOptions,
} from './syslog-server.js';
export {
  FaultProxy,
  resolveFaultProxyOptions,
  type FaultProxyOptions,
  type ResolvedFaultProxyOptions,
  type ProxyUpstream,
  type FaultProxyStats,
  type FaultProxyEvents,
  type ProxyCloseReason,
  type ProxyConnectionClosedEvent,
  type UpstreamFailedEvent,
} from './fault-proxy.js';
export { RELISTEN_RETRY_MS } from './fault-listener.js';
