/**
 * `idle-timeout` — the receiver closes TCP connections that stay idle for 300 s (FIN). The
 * appliance notices, logs the Log Error and raises the alert, and the next push reconnects with
 * a new logfile header; no line is lost.
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';

/** A receiver with a 300 s idle timeout. */
export const idleTimeout: ScenarioInput = {
  name: 'idle-timeout',
  description: 'The receiver closes connections idle for 300 s: Log Error and alert, a new logfile on reconnect, nothing lost',
  world: 'virtual',
  seed: 5,
  duration: '10m',
  receiver: { protocol: 'tcp', port: 514, faults: ['idle-timeout=300s'] },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs' }],
  traffic: {
    writes: [
      { at: '1s', text: 'Start MID 64855 ICID 3160' },
      { at: '5s', text: 'Message finished MID 64855 done' },
      { at: '420s', text: 'Start MID 64856 ICID 3161' },
      { at: '425s', text: 'Message finished MID 64856 done' },
    ],
  },
  policies: ['esa', 'retry:retries=3,min=1s,max=5s'],
  expect: {
    'networkErrorsByCause.ESA_ERR_CONNECTION_CLOSED': { min: 1 },
    alerts: { min: 1 },
    reconnectLogfiles: { min: 1 },
    dropped: 0,
    lostInFlight: 0,
    pending: 0,
  },
};
