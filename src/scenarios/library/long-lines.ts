/**
 * `long-lines` — a receiver that keeps at most 1024 bytes of a message: the appliance sends long
 * lines as they are (ESA documents no limit), the receiver cuts them.
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';

const recipients = Array.from({ length: 60 }, (_, i) => `<user${i}@example.com>`).join(', ');

/** A receiver limited to 1024 bytes. */
export const longLines: ScenarioInput = {
  name: 'long-lines',
  description: 'A receiver limited to 1024 bytes cuts long lines (a 60-recipient To: list, a long subject); the appliance sends them as is',
  world: 'virtual',
  seed: 8,
  duration: '10s',
  receiver: { protocol: 'tcp', port: 514, maxMessageBytes: 1024 },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs' }],
  traffic: {
    generators: [{ type: 'mail_logs', options: { messagesPerSecond: 1 } }],
    writes: [
      { at: '2s', text: `MID 64900 ICID 3200 RID 0 To: ${recipients}` },
      { at: '4s', text: `MID 64901 Subject '${'Quarterly report and forecast '.repeat(40).trim()}'` },
    ],
  },
  expect: {
    'receiver.oversize': { min: 2 },
    networkErrors: 0,
    dropped: 0,
    lostInFlight: 0,
    pending: 0,
  },
};
