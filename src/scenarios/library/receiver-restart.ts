/**
 * `receiver-restart` — the syslog server restarts: at 10 s it drops its connections (the next
 * write is reset) and refuses new ones until 25 s, then it is back.
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';

/** A receiver down for 15 s. */
export const receiverRestart: ScenarioInput = {
  name: 'receiver-restart',
  description: 'The receiver restarts: its connection is reset at 10 s, connections are refused until 25 s, then it heals',
  world: 'virtual',
  seed: 4,
  duration: '40s',
  receiver: { protocol: 'tcp', port: 514, faults: ['reset-after-bytes=0@10s-25s', 'refuse@10s-25s'] },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs' }],
  traffic: { generators: [{ type: 'mail_logs', options: { messagesPerSecond: 1 } }] },
  policies: ['esa', 'retry:retries=10,min=1s,max=10s', 'buffer:max=5000'],
  expect: {
    'networkErrorsByCause.ESA_ERR_CONNECTION_REFUSED': { min: 1 },
    'droppedByReason.network-error': { min: 1 },
    reconnectLogfiles: { min: 1 },
    delivered: { min: 1 },
    pending: 0,
  },
};
