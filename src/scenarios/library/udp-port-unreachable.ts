/**
 * `udp-port-unreachable` — UDP syslog to a port where nothing listens for a while: the ICMP port
 * unreachable makes the next send on the connected socket fail (a Log Error), and the datagrams
 * sent meanwhile are lost in flight.
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';

/** UDP to a closed port. */
export const udpPortUnreachable: ScenarioInput = {
  name: 'udp-port-unreachable',
  description: 'UDP to a closed port from 5 s to 15 s: ICMP port unreachable, Log Errors, datagrams lost in flight',
  world: 'virtual',
  seed: 6,
  duration: '30s',
  receiver: { protocol: 'udp', port: 514, faults: ['refuse@5s-15s'] },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs' }],
  traffic: { generators: [{ type: 'mail_logs', options: { messagesPerSecond: 1 } }] },
  policies: ['esa', 'retry:retries=3,min=1s,max=5s'],
  expect: {
    'networkErrorsByCause.ESA_ERR_PORT_UNREACHABLE': { min: 1 },
    lostInFlight: { min: 1 },
    delivered: { min: 1 },
    pending: 0,
  },
};
