/**
 * `multiline-warning` — the appliance logs a multi-line anti-virus warning; it does not escape
 * the embedded newlines, so over LF framing the receiver splits it into several messages, the
 * later ones without a syslog header.
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';

/** A warning with embedded newlines. */
export const multilineWarning: ScenarioInput = {
  name: 'multiline-warning',
  description: 'A multi-line anti-virus warning: the embedded newlines split it at the receiver into messages that do not parse',
  world: 'virtual',
  seed: 9,
  duration: '10s',
  receiver: { protocol: 'tcp', port: 514 },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs', level: 'Information' }],
  traffic: {
    generators: [{ type: 'mail_logs', options: { messagesPerSecond: 1 } }],
    writes: [
      {
        at: '3s',
        level: 'Warning',
        text: "MID 64870 antivirus unscannable: attachment 'invoice.zip'\nReason: the archive is encrypted\nAction: message quarantined to \"Virus\"",
      },
    ],
  },
  expect: {
    'receiver.parseErrors': { min: 2 },
    networkErrors: 0,
    dropped: 0,
    lostInFlight: 0,
    pending: 0,
  },
};
