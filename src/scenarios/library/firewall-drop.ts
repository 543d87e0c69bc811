/**
 * `firewall-drop` — a firewall silently drops every packet to port 514 (SYNs included) for the
 * first 30 s: the appliance's connect times out (`Failed to connect`), the batches are dropped;
 * then the path heals. Virtual world only: real loopback sockets cannot lose a SYN.
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';

/** A firewall dropping SYNs. */
export const firewallDrop: ScenarioInput = {
  name: 'firewall-drop',
  description: 'A firewall drops every SYN for 30 s: connect timeouts, Failed to connect, batches dropped; then it heals (virtual only)',
  world: 'virtual',
  seed: 2,
  duration: '60s',
  network: { faults: ['drop=1@-30s'] },
  receiver: { protocol: 'tcp', port: 514 },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs', transport: { connectTimeoutMs: '10s' } }],
  traffic: { generators: [{ type: 'mail_logs', options: { messagesPerSecond: 1 } }] },
  policies: ['esa', 'retry:retries=5,min=1s,max=10s', 'buffer:max=5000'],
  expect: {
    'networkErrorsByCause.ESA_ERR_CONNECT_TIMEOUT': { min: 1 },
    'droppedByReason.network-error': { min: 1 },
    delivered: { min: 1 },
    lostInFlight: 0,
    pending: 0,
  },
};
