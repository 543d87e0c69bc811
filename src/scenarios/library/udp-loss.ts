/**
 * `udp-loss` — a lossy path drops 5 % of the UDP datagrams: no error anywhere on the appliance,
 * and the ledger says exactly which lines were lost in flight.
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';

/** 5 % datagram loss. */
export const udpLoss: ScenarioInput = {
  name: 'udp-loss',
  description: 'A lossy path drops 5 % of UDP datagrams: silent loss, no Log Error, the ledger counts every lost line',
  world: 'virtual',
  seed: 7,
  duration: '60s',
  network: { faults: ['drop=0.05'] },
  receiver: { protocol: 'udp', port: 514 },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs' }],
  traffic: { generators: [{ type: 'mail_logs', options: { messagesPerSecond: 2 } }] },
  expect: {
    networkErrors: 0,
    lostInFlight: { min: 1 },
    delivered: { min: 1 },
    dropped: 0,
    pending: 0,
  },
};
