/**
 * The help texts of every command (`esa-logsim --help`, `esa-logsim CMD --help`, `esa-logsim
 * help CMD`). The README's CLI reference says the same.
 *
 * @module
 */

import { FACILITIES, LOG_LEVELS } from '../core/vocabulary.js';
import { FAULT_CLI_FORMS, FAULT_WRAPPER_FORMS } from '../faults/parse-fault.js';
import { GENERATOR_LOG_TYPES } from '../generators/create-generator.js';

/** The commands, in the order the overview lists them. */
export const COMMANDS = ['demo', 'push', 'serve', 'run', 'compare', 'scenarios', 'help'] as const;

/** A command name. */
export type CommandName = (typeof COMMANDS)[number];

const POLICY_HELP = `what to do with a failed push:
                       esa (the default: drop the batch, as the appliance does),
                       retry[:retries=N,factor=F,min=DUR,max=DUR,jitter=0..1],
                       buffer[:max=LINES,overflow=drop-oldest|drop-newest,retries=N,
                              min-delay=DUR,max-delay=DUR]`;

/** The overview (`esa-logsim --help`). */
export function overviewHelp(version: string): string {
  return `esa-logsim ${version} — a simulated Cisco Email Security Appliance forwarding its logs to
syslog, network faults on purpose, and the fate of every log line.

Usage: esa-logsim <command> [flags]

Commands:
  demo                 the seed case end to end on loopback: an IPS resets the TCP syslog
                       connection after 412 bytes; no setup needed (what \`npm start\` runs)
  push                 a simulated appliance pushing a log subscription to a real receiver
  serve                a syslog receiver (TCP or UDP) with faults
  run SCENARIO         run a scenario (built-in name or JSON file) and check its expectations
  compare SCENARIO     loss, duplicates and delay of a scenario under several --policy values
  scenarios            list the built-in scenarios
  help [COMMAND]       this text, or a command's flags

Global flags:
  -h, --help           help (also after a command: esa-logsim push --help)
  -V, --version        print the version

Exit codes: 0 done (network errors are results, not failures), 1 failure (expectations not met,
an I/O error), 2 usage error or invalid option.
`;
}

const COMMAND_HELP: Readonly<Record<CommandName, string>> = {
  demo: `Usage: esa-logsim demo [--json]

The seed case end to end on loopback (127.0.0.1, a free port): a SyslogServer that resets the
TCP connection after the first 412 bytes (an IPS), and an appliance mail.example.com (AsyncOS
8.0.1-023, SN A4BADB4712A9-511AA1E, UTC+2) with a Mail_Log subscription pushing mail_logs over
TCP. It prints what the appliance logged (the logfile header, the Log Error line, the alert
line), what the server received and when it reset the connection, and the ledger's summary.
The appliance runs on a simulated clock (a few simulated seconds pass in well under a second).

Flags:
  --json               NDJSON events instead of text
  -h, --help           this text
`,
  push: `Usage: esa-logsim push --protocol tcp|udp --host HOST --port PORT [flags]

A simulated appliance pushing one log subscription to a real syslog receiver (a SIEM, rsyslog,
esa-logsim serve) in real time, with realistic ESA log lines. The appliance logs network errors
and sends alerts as ESA does. Delivery cannot be known from the sending side: the summary's
delivered, lost in flight, duplicated and pending are null ("unknown").

Flags:
  --protocol tcp|udp   required
  --host HOST          the receiver's host name or address (required)
  --port PORT          the receiver's port, 1-65535 (required)
  --name NAME          the log subscription's name, also the syslog tag (default Mail_Log)
  --type TYPE          the log type (default mail_logs):
                       ${GENERATOR_LOG_TYPES.join(', ')}
  --facility F         the syslog facility (default mail): ${FACILITIES.slice(0, 5).join(', ')},
                       ${FACILITIES.slice(5, 13).join(', ')}, ${FACILITIES.slice(13).join(', ')}
  --level L            ${LOG_LEVELS.join(', ')} (default Information)
  --framing F          TCP framing: lf (what ESA sends, default) or octet-counting
  --hostname H         the appliance's hostname, in alert subjects (default mail.example.com)
  --version V          the AsyncOS version in logfile headers (default 8.0.1-023)
  --serial SN          the serial number in logfile headers (default A4BADB4712A9-511AA1E)
  --utc-offset OFF     local time − UTC: seconds (7200) or ±HH:MM (+02:00) (default 0)
  --rate N|max         content lines per second, or max: as fast as the receiver takes them
                       (default 50)
  --count N            stop after N content lines, or
  --duration DUR       stop after DUR (10s, 5m); neither: push until Ctrl-C
  --policy P           ${POLICY_HELP}
  --seed N             seed of the generated content (default 1)
  --json               NDJSON events (network-error, alert, summary) instead of text
  -h, --help           this text

Example:
  esa-logsim serve --protocol tcp --port 5514 --fault reset-after-bytes=412 &
  esa-logsim push --protocol tcp --host 127.0.0.1 --port 5514 --count 200 --rate 100
`,
  serve: `Usage: esa-logsim serve --protocol tcp|udp [--host H] [--port P] [--fault SPEC]... [flags]

A syslog receiver that records what it gets and misbehaves on purpose. It runs until Ctrl-C or
--duration, then prints its summary. Messages are printed as received (or, with --json, one
"received" event each).

Flags:
  --protocol tcp|udp   required
  --host H             the address to listen on (default 127.0.0.1)
  --port P             0-65535; 0 = any free port (default 514, which needs root)
  --fault SPEC         a receiver fault, repeatable:
                       ${FAULT_CLI_FORMS.slice(0, 4).join(', ')},
                       ${FAULT_CLI_FORMS.slice(4, 8).join(', ')},
                       ${FAULT_CLI_FORMS.slice(8).join(', ')};
                       followed by any of ${FAULT_WRAPPER_FORMS}
                       e.g. --fault reset-after-bytes=412  --fault refuse@10s-40s  --fault drop=0.1
                       (table and examples: docs/faults.md)
  --out FILE           write every received message to FILE (replacing it), raw, one per line
  --duration DUR       stop after DUR (10s, 5m); default: until Ctrl-C
  --seed N             seed of probabilistic faults (default 1)
  --json               NDJSON: listening (first), received, fault, summary
  -h, --help           this text

With --fault refuse the server still reports the port it refuses on.
`,
  run: `Usage: esa-logsim run SCENARIO [--policy P] [--trace] [--pcap FILE] [--json]

Runs a scenario — a built-in name (esa-logsim scenarios lists them) or a JSON file (format:
docs/scenarios.md) — and prints what the appliance logged, the network errors and alerts, the
ledger's summary and the scenario's expectations. Exit code 1 when an expectation fails.

Flags:
  --policy P           instead of the scenario's policies, ${POLICY_HELP}
  --trace              print the packet capture table (virtual world)
  --pcap FILE          write the packet capture to FILE (pcap, opens in Wireshark/tshark)
  --json               NDJSON events (network-error, alert, fault, summary)
  -h, --help           this text
`,
  compare: `Usage: esa-logsim compare SCENARIO --policy A --policy B ... [--json]

Runs the scenario (virtual world) once per policy and prints one row per policy: lines
generated, delivered, dropped, lost in flight, duplicated, delivery delay p50/p99, network
errors, alerts. Without --policy it compares the scenario's own "policies" list (default: esa).

Flags:
  --policy P           a policy to compare, repeatable; ${POLICY_HELP}
  --json               one "comparison" event per policy instead of the table
  -h, --help           this text
`,
  scenarios: `Usage: esa-logsim scenarios [--json]

Lists the built-in scenarios with a one-line description each.

Flags:
  --json               one "scenario" event per built-in
  -h, --help           this text
`,
  help: `Usage: esa-logsim help [COMMAND]

Prints the overview, or the flags of COMMAND (${COMMANDS.filter((name) => name !== 'help').join(', ')}).
`,
};

/** The help text of a command. */
export function commandHelp(command: CommandName): string {
  return COMMAND_HELP[command];
}
