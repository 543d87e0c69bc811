/**
 * `slow-receiver` — the receiver stops reading from 10 s to 30 s: the TCP windows close, the
 * appliance's writes back up until the write timeout fires, the batches are dropped; afterwards
 * it drains and catches up.
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';

/** A receiver that stalls for 20 s. */
export const slowReceiver: ScenarioInput = {
  name: 'slow-receiver',
  description: 'The receiver stops reading for 20 s: back-pressure fills the windows, write timeouts, batches dropped; then it drains',
  world: 'virtual',
  seed: 10,
  duration: '45s',
  receiver: { protocol: 'tcp', port: 514, faults: ['stall@10s-30s'] },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs', transport: { writeTimeoutMs: '5s' } }],
  traffic: { generators: [{ type: 'mail_logs', options: { messagesPerSecond: 20 } }] },
  policies: ['esa', 'retry:retries=3,min=1s,max=5s', 'buffer:max=20000'],
  expect: {
    'networkErrorsByCause.ESA_ERR_WRITE_TIMEOUT': { min: 1 },
    'droppedByReason.network-error': { min: 1 },
    delivered: { min: 1 },
    pending: 0,
  },
};
