/**
 * The seed reproduced in the virtual world: ESA 10.229.24.230 → syslog 10.44.167.30:514/tcp, the
 * server announces MSS 1350, the connection is reset after the first 412 bytes. The capture has
 * the seed's shape, the appliance logs the Log Error and sends the alert, the next connection
 * starts with a new logfile header, and the ledger says exactly which lines were delivered,
 * lost in flight and dropped.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock/virtual-clock.js';
import { loadScenario, runScenario, type ScenarioEvent } from '../src/scenarios/index.js';
import { renderStreams, renderTrace } from '../src/vnet/render-trace.js';

const LOG_ERROR = 'Log Error: Subscription Mail_Log: Network error while sending log data to syslog server';
const ALERT_LINE =
  'A System/Critical alert was sent to admin@example.com with subject "Critical <System> mail.example.com: Log Error: Subscription Mail_Log: Network error while sending l...".';

async function runSeed() {
  const scenario = loadScenario('ips-reset');
  const clock = new VirtualClock({ startMs: scenario.startMs });
  const events: ScenarioEvent[] = [];
  const result = await runScenario(scenario, {
    clock,
    trace: true,
    onEvent: (event) => events.push(event),
    events: ['network-error', 'alert', 'fault', 'log', 'received'],
  });
  return { scenario, clock, events, result };
}

/** The capture table without the No., Time, addresses, protocol and length columns. */
function infoColumn(table: string): string[] {
  return table
    .split('\n')
    .slice(1)
    .map((row) => row.replace(/^\d+\s+\S+\s+\S+\s+\S+\s+(TCP|Syslog)\s+\d+\s+/, '$1 '));
}

describe('the seed (ips-reset) in the virtual world', () => {
  it('captures the seed shape: SYN, SYN-ACK, ACK, data, ACK, data, ACK, RST-ACK from the server, MSS 1350', async () => {
    const { result } = await runSeed();
    const trace = result.trace ?? [];
    const first = trace.filter((packet) => packet.srcPort === 26040 || packet.dstPort === 26040);
    expect(infoColumn(renderTrace(first))).toEqual([
      'TCP 26040 > shell [SYN] Seq=0 Win=16384 Len=0 MSS=1460',
      'TCP shell > 26040 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0 MSS=1350',
      'TCP 26040 > shell [ACK] Seq=1 Ack=1 Win=65535 Len=0',
      'Syslog MAIL.INFO: Jun 25 08:50:04 Mail_Log: Info: Begin Logfile [+3 more]',
      'TCP shell > 26040 [ACK] Seq=1 Ack=345 Win=65191 Len=0',
      'Syslog MAIL.INFO: Jun 25 08:50:04 Mail_Log: Info: ICID 3160 ACCEPT SG UNKNOWNLIST match sbrs[-1.0:10.0] SBRS 0.0 country not enabled [+3 more]',
      'TCP shell > 26040 [ACK] Seq=1 Ack=692 Win=65535 Len=0',
      'TCP shell > 26040 [RST, ACK] Seq=1 Ack=692 Win=0 Len=0',
    ]);
    expect(first.map((packet) => packet.src)).toEqual([
      '10.229.24.230',
      '10.44.167.30',
      '10.229.24.230',
      '10.229.24.230',
      '10.44.167.30',
      '10.229.24.230',
      '10.44.167.30',
      '10.44.167.30',
    ]);
    // The server read 412 bytes (344 + 68 of the second segment) and reset.
    expect(first.filter((packet) => packet.length > 0).map((packet) => packet.length)).toEqual([344, 347]);
    expect(first.at(-1)?.timeMs).toBe(first.at(-2)?.timeMs);
  });

  it('logs the Log Error, sends the System/Critical alert and logs it with the subject cut at 63 characters', async () => {
    const { events, scenario } = await runSeed();
    const errors = events.filter((event) => event.type === 'network-error');
    expect(errors).toEqual([
      {
        type: 'network-error',
        // The server read the second push at +2000.25 ms and reset; the RST arrived 0.25 ms later.
        at: scenario.startMs + 2000.5,
        subscription: 'Mail_Log',
        message: LOG_ERROR,
        cause: 'ESA_ERR_CONNECTION_RESET',
        detail: expect.stringContaining('ECONNRESET'),
        isIdle: true,
        linesAffected: 0,
      },
    ]);
    expect(events.filter((event) => event.type === 'alert')).toEqual([
      {
        type: 'alert',
        at: scenario.startMs + 2000.5,
        class: 'System',
        severity: 'Critical',
        subject: `Critical <System> mail.example.com: ${LOG_ERROR}`,
        recipients: ['admin@example.com'],
      },
    ]);
    const logged = events.flatMap((event) => (event.type === 'log' && event.at === scenario.startMs + 2000.5 ? [event.line] : []));
    expect(logged).toEqual([`Wed Jun 25 08:50:05 2014 Critical: ${LOG_ERROR}`, `Wed Jun 25 08:50:05 2014 Info: ${ALERT_LINE}`]);
    expect(events.filter((event) => event.type === 'fault')).toEqual([
      expect.objectContaining({ fault: 'reset-after-bytes', action: 'reset', source: 'receiver', at: scenario.startMs + 2000.25 }),
    ]);
  });

  it('starts the next connection with a new logfile header, then the Log Error and alert lines', async () => {
    const { events, result } = await runSeed();
    const second = events.flatMap((event) => (event.type === 'received' && event.peer === '10.229.24.230:26041' ? [event] : []));
    expect(second.slice(0, 5).map((event) => [event.severity, event.level, event.text])).toEqual([
      [6, 'Information', 'Begin Logfile'],
      [6, 'Information', 'Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E'],
      [6, 'Information', 'Time offset from UTC: 7200 seconds'],
      [2, 'Critical', LOG_ERROR],
      [6, 'Information', ALERT_LINE],
    ]);
    const streams = renderStreams(result.trace ?? []);
    expect(streams).toContain('<22>Jun 25 08:50:06 Mail_Log: Info: Begin Logfile\n<22>Jun 25 08:50:06 Mail_Log: Info: Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E\n');
    expect(streams).toContain(`<18>Jun 25 08:50:05 Mail_Log: Critical: ${LOG_ERROR}\n`);
    expect(result.summary).toMatchObject({ logfiles: 2, reconnectLogfiles: 1, connections: 2 });
  });

  it('says exactly which lines were delivered, lost in flight and dropped', async () => {
    const { result, events, clock } = await runSeed();
    // Lines by ledger id: 0 went with the first push; 1–4 with the second, written to the socket
    // successfully and cut by the reset (the server read only part of the first of them); 5 and 6
    // are the appliance's own Log Error and alert lines; 7–10 the later traffic.
    const logged = events.flatMap((event) => (event.type === 'log' ? [event.line.replace(/^.* 2014 \w+: /, '')] : []));
    expect(logged.slice(1, 5)).toEqual([
      'ICID 3160 ACCEPT SG UNKNOWNLIST match sbrs[-1.0:10.0] SBRS 0.0 country not enabled',
      'Start MID 64855 ICID 3160',
      'MID 64855 ICID 3160 From: <alice@example.org>',
      'MID 64855 ICID 3160 RID 0 To: <bob@example.com>',
    ]);
    expect(result.fates).toEqual([
      { subscription: 'Mail_Log', from: 0, to: 1, fate: 'delivered' },
      { subscription: 'Mail_Log', from: 1, to: 5, fate: 'lost-in-flight' },
      { subscription: 'Mail_Log', from: 5, to: 11, fate: 'delivered' },
    ]);
    expect(result.summary).toMatchObject({
      generated: 11,
      delivered: 7,
      lostInFlight: 4,
      dropped: 0,
      duplicated: 0,
      pending: 0,
      networkErrors: 1,
      alerts: 1,
      alertsSuppressed: 0,
    });
    expect(result.passed).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('under the buffer policy the same reset loses the same lines: they were written before the RST came', async () => {
    const result = await runScenario(loadScenario('ips-reset'), { policy: 'buffer:max=1000' });
    expect(result.fates.map((run) => [run.from, run.to, run.fate])).toEqual([
      [0, 1, 'delivered'],
      [1, 5, 'lost-in-flight'],
      [5, 11, 'delivered'],
    ]);
  });
});
