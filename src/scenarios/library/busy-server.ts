/**
 * `busy-server` — a syslog server too busy for more than one connection: the appliance's first
 * subscription holds the only slot, the second one's connections are reset right after the
 * handshake, push after push; duplicate alerts are held back.
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';

/** A server that serves one connection at a time. */
export const busyServer: ScenarioInput = {
  name: 'busy-server',
  description: 'A server serving one connection at a time resets the second subscription\'s connections; duplicate alerts held back',
  world: 'virtual',
  seed: 3,
  duration: '30s',
  receiver: { protocol: 'tcp', port: 514, faults: ['busy=1'] },
  subscriptions: [
    { name: 'Mail_Log', type: 'mail_logs' },
    { name: 'System_Log', type: 'system_logs' },
  ],
  traffic: {
    generators: [
      { type: 'mail_logs', options: { messagesPerSecond: 1 } },
      { type: 'system_logs', options: { linesPerSecond: 2 } },
    ],
  },
  policies: ['esa', 'retry:retries=3,min=1s,max=5s', 'buffer:max=1000'],
  expect: {
    networkErrors: { min: 2 },
    alerts: { min: 1 },
    alertsSuppressed: { min: 1 },
    'receiver.connectionsReset': { min: 1 },
    delivered: { min: 1 },
    pending: 0,
  },
};
