/**
 * `esa-logsim demo`: the seed case end to end on loopback, with no setup — the built-in
 * `ips-reset` scenario run in the loopback world: a real `SyslogServer` on 127.0.0.1 (a free
 * port) resets the TCP connection after the first 412 bytes, as the customer's IPS did, and a
 * simulated appliance on a simulated clock pushes its mail log to it over real sockets.
 *
 * @module
 */

import { formatDurationMs } from '../core/units.js';
import { loadScenario } from '../scenarios/load-scenario.js';
import type { FlagSpec, ParsedArgs } from './args.js';
import type { CliIo, ExitCode } from './io.js';
import { Output } from './output.js';
import { runWithOutput } from './scenario-commands.js';

/** The flags of `demo`. */
export const DEMO_FLAGS: readonly FlagSpec[] = [
  { name: 'json', kind: 'boolean' },
  { name: 'help', kind: 'boolean', short: 'h' },
];

/** The built-in scenario the demo runs. */
export const DEMO_SCENARIO = 'ips-reset';

/** Runs `esa-logsim demo`. */
export async function runDemo(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const scenario = loadScenario(DEMO_SCENARIO);
  const out = new Output(io, args.booleans.has('json'));
  const { appliance } = scenario;
  const offsetHours = (appliance.utcOffsetSeconds ?? 0) / 3600;
  const result = await runWithOutput(out, io, scenario, {
    world: 'loopback',
    received: true,
    showNotes: false,
    header: [
      'esa-logsim demo — the seed case, on loopback (127.0.0.1), no setup needed',
      '',
      "A customer's ESA pushes its mail log over TCP syslog; an IPS between it and the syslog server",
      'resets the connection after the first 412 bytes. Here:',
      `  appliance  ${appliance.hostname}, AsyncOS ${appliance.version}, SN ${appliance.serialNumber}, UTC${offsetHours >= 0 ? '+' : ''}${offsetHours};`,
      '             subscription Mail_Log (mail_logs, Syslog Push over TCP, facility mail)',
      '  receiver   a SyslogServer on a free port of 127.0.0.1 with the fault reset-after-bytes=412',
      `${formatDurationMs(scenario.durationMs)} of the appliance's time run on a simulated clock over real sockets.`,
      'Columns: time since the start, who, what.',
    ],
  });
  const { summary } = result;
  out.summary({
    generated: summary.generated,
    delivered: summary.delivered,
    dropped: summary.dropped,
    lostInFlight: summary.lostInFlight,
    duplicated: summary.duplicated,
    pending: summary.pending,
    networkErrors: summary.networkErrors,
    alerts: summary.alerts,
  }, { scenario: result.name, world: result.world, policy: result.policy, droppedByReason: summary.droppedByReason, delay: summary.delay });
  out.line('');
  out.lines([
    'What happened: the receiver reset the first connection once 412 bytes had crossed it. The appliance',
    'noticed the reset, logged the Log Error line at Critical and sent a System/Critical alert. Its next push',
    "opened a new connection, which starts with a new logfile header (as in the seed's capture) and carries",
    `the Log Error and alert lines. ${summary.lostInFlight} line(s) were lost in flight: the appliance wrote them before the reset`,
    'and saw success, so it logged nothing for them; the ledger, which compares what was written with what',
    'the receiver parsed, counts them.',
  ]);
  out.line('');
  out.line('Next: esa-logsim run ips-reset --trace   (the same case in the virtual network, with the packet capture)');
  out.line('      esa-logsim compare ips-reset       (how much each retry policy loses)   esa-logsim --help');
  return 0;
}
