/**
 * `ips-reset` — THE SEED: an IPS between the appliance and the syslog server resets the TCP
 * connection after the first 412 bytes. ESA 10.229.24.230 → 10.44.167.30:514/tcp (Wireshark:
 * `shell`), server MSS 1350; mail.example.com, AsyncOS 8.0.1-023, SN A4BADB4712A9-511AA1E,
 * UTC+2; the alert subject is cut at 63 characters as in the capture.
 *
 * @module
 */

import type { ScenarioInput } from '../scenario.js';

/** The seed case. */
export const ipsReset: ScenarioInput = {
  name: 'ips-reset',
  description:
    'The seed: an IPS resets TCP syslog after the first 412 bytes; Log Error, System/Critical alert, a new logfile header on reconnect',
  world: 'virtual',
  seed: 1,
  start: '2014-06-25T06:50:03Z',
  duration: '10s',
  appliance: {
    hostname: 'mail.example.com',
    version: '8.0.1-023',
    serialNumber: 'A4BADB4712A9-511AA1E',
    utcOffsetSeconds: 7200,
    alerts: { recipients: ['admin@example.com'], subjectTextChars: 63 },
  },
  network: {
    // The seed's addresses: labels inside the virtual network, never real targets.
    appliance: { address: '10.229.24.230', initialWindowBytes: 16384 }, // virtual label
    receiver: { address: '10.44.167.30', mss: 1350 }, // virtual label
    latencyMs: 0.25,
  },
  // The capture shows the server's ACK of the data and then its RST-ACK: the reset comes from
  // the receiver's side of the path (an IPS in front of it answering as the server), so it is a
  // receiver fault here. `network.faults` would model an IPS that cuts the segment itself.
  receiver: { protocol: 'tcp', port: 514, faults: ['reset-after-bytes=412@first=1'] },
  subscriptions: [{ name: 'Mail_Log', type: 'mail_logs', facility: 'mail', level: 'Information' }],
  traffic: {
    writes: [
      { at: '500ms', text: 'New SMTP ICID 3160 interface Data 1 (192.0.2.12) address 198.51.100.5 reverse dns host unknown verified no' },
      { at: '1500ms', text: 'ICID 3160 ACCEPT SG UNKNOWNLIST match sbrs[-1.0:10.0] SBRS 0.0 country not enabled' },
      { at: '1500ms', text: 'Start MID 64855 ICID 3160' },
      { at: '1600ms', text: 'MID 64855 ICID 3160 From: <alice@example.org>' },
      { at: '1600ms', text: 'MID 64855 ICID 3160 RID 0 To: <bob@example.com>' },
      { at: '3500ms', text: "MID 64855 Message-ID '<abc123@example.org>'" },
      { at: '3500ms', text: "MID 64855 Subject 'Quarterly report'" },
      { at: '3600ms', text: 'MID 64855 ready 4940 bytes from <alice@example.org>' },
      { at: '5500ms', text: 'MID 64855 queued for delivery' },
    ],
  },
  policies: ['esa', 'retry:retries=3,min=500ms,max=5s', 'buffer:max=1000'],
  expect: {
    networkErrors: { min: 1 },
    'networkErrorsByCause.ESA_ERR_CONNECTION_RESET': { min: 1 },
    alerts: { min: 1 },
    reconnectLogfiles: { min: 1 },
    lostInFlight: { min: 1 },
    pending: 0,
  },
};
