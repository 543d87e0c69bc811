/**
 * `esa-logsim serve`: a syslog receiver with faults (the faulty peer a test of a sender needs),
 * running until Ctrl-C (SIGINT/SIGTERM) or `--duration`, then printing its summary.
 *
 * @module
 */

import { systemClock } from '../clock/system-clock.js';
import { formatDurationMs } from '../core/units.js';
import { LEVEL_WORDS } from '../core/vocabulary.js';
import { parseFault } from '../faults/parse-fault.js';
import type { FaultSpec } from '../faults/spec.js';
import { SyslogServer, type FaultAppliedEvent, type ReceivedMessage } from '../server/syslog-server.js';
import type { FlagSpec, ParsedArgs } from './args.js';
import { pause } from './appliance-output.js';
import { asFlags, optional, parseDurationFlag, parsePort, parseSeed, required } from './flags.js';
import type { CliIo, ExitCode } from './io.js';
import { openOutputFile } from './output-file.js';
import { Output, renderTable } from './output.js';

/** The flags of `serve`. */
export const SERVE_FLAGS: readonly FlagSpec[] = [
  { name: 'protocol', kind: 'string' },
  { name: 'host', kind: 'string' },
  { name: 'port', kind: 'string' },
  { name: 'fault', kind: 'string', repeatable: true },
  { name: 'out', kind: 'string' },
  { name: 'duration', kind: 'string' },
  { name: 'seed', kind: 'string' },
  { name: 'json', kind: 'boolean' },
  { name: 'help', kind: 'boolean', short: 'h' },
];

/** The default `--port` (ESA's assumed syslog port; below 1024 it needs privileges). */
export const DEFAULT_SERVE_PORT = 514;

/** Messages `serve` keeps in memory (it streams them out; the counters keep counting). */
const SERVE_RECORD_LIMIT = 1000;

/** Runs `esa-logsim serve`. */
export async function runServe(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const protocol = required(args, 'serve', 'protocol', 'tcp or udp');
  const portText = optional(args, 'port');
  const port = portText === undefined ? DEFAULT_SERVE_PORT : parsePort(portText, true);
  const faults: FaultSpec[] = (args.lists.get('fault') ?? []).map((text) => parseFault(text, '--fault'));
  const durationText = optional(args, 'duration');
  const durationMs = durationText === undefined ? undefined : parseDurationFlag('duration', durationText);
  const seed = args.strings.has('seed') ? parseSeed(args.strings.get('seed') as string) : 1;
  const clock = io.clock ?? systemClock;
  const out = new Output(io, args.booleans.has('json'));
  const server = asFlags({ protocol: 'protocol', host: 'host', port: 'port', seed: 'seed' }, () => {
    const host = optional(args, 'host');
    return new SyslogServer({ protocol: protocol as 'tcp', port, faults, seed, clock, recordLimit: SERVE_RECORD_LIMIT, ...(host === undefined ? {} : { host }) });
  });

  const outPath = optional(args, 'out');
  const file = outPath === undefined ? undefined : await openOutputFile(outPath, '--out', io.cwd);

  server.on('message:received', ({ message }) => {
    file?.write(`${message.raw}\n`);
    out.event('received', receivedEvent(message));
    out.line(message.raw);
  });
  // `listening` is the first event: what a fault does while the server starts (refuse) waits.
  let isListening = false;
  const early: FaultAppliedEvent[] = [];
  const reportFault = (event: FaultAppliedEvent): void => {
    out.event('fault', { at: event.at, fault: event.type, action: event.action, detail: event.detail, peer: event.peer ?? null });
    out.line(`  fault ${event.type}: ${event.detail}${event.peer ? ` (${event.peer})` : ''}`);
  };
  server.on('fault:applied', (event) => (isListening ? reportFault(event) : early.push(event)));
  server.on('connection:opened', (event) => out.line(`  connection ${event.connectionId} from ${event.peer.address}:${event.peer.port}`));
  server.on('connection:closed', (event) =>
    out.line(`  connection ${event.connectionId} closed by the ${event.by} (${event.reason}${event.fault ? `: ${event.fault}` : ''})`),
  );
  server.on('listener:refusing', (event) => {
    if (isListening) out.line(`  refusing connections on ${event.host}:${event.port} (refuse fault)`);
  });
  server.on('listener:listening', (event) => {
    if (isListening) out.line(`  accepting again on ${event.host}:${event.port}`);
  });

  let boundPort: number;
  try {
    boundPort = await server.listen();
  } catch (error) {
    await server.close();
    await file?.close();
    throw error;
  }
  isListening = true;
  const address = server.address;
  const host = address?.address ?? server.options.host;
  out.event('listening', { protocol, host, port: boundPort, accepting: server.isAccepting, faults: server.explainFaults() });
  out.line(
    `esa-logsim serve: ${server.isAccepting ? 'listening' : `refusing ${protocol === 'udp' ? 'datagrams' : 'connections'}`} on ${protocol} ${host}:${boundPort}` +
      `${durationMs === undefined ? '' : ` for ${formatDurationMs(durationMs)}`} (Ctrl-C stops)`,
  );
  for (const line of server.explainFaults()) out.line(`  fault: ${line}`);
  for (const event of early.splice(0)) reportFault(event);

  const startedAt = clock.now();
  if (durationMs === undefined) {
    if (io.signal) await new Promise<void>((done) => (io.signal?.aborted ? done() : io.signal?.addEventListener('abort', () => done(), { once: true })));
  } else {
    await pause(clock, durationMs, io.signal);
  }
  await server.close();
  await file?.close();
  const stats = server.stats;
  const summary = {
    generated: null,
    delivered: null,
    dropped: null,
    lostInFlight: null,
    duplicated: null,
    pending: null,
    networkErrors: null,
    alerts: null,
  };
  const receiver = {
    received: stats.messages,
    connections: stats.connectionsAccepted,
    resets: stats.connectionsReset,
    bytes: stats.bytes,
    parseErrors: stats.parseErrors,
    datagramsDropped: stats.datagramsDropped,
    faultsApplied: stats.faultsApplied,
    durationMs: clock.now() - startedAt,
  };
  if (out.json) {
    out.event('summary', { ...summary, ...receiver });
  } else {
    out.line('');
    out.lines(
      renderTable(
        [
          ['receiver', ''],
          ['messages received', String(stats.messages)],
          ['connections', String(stats.connectionsAccepted)],
          ['connections reset', String(stats.connectionsReset)],
          ['bytes', String(stats.bytes)],
          ['parse errors', String(stats.parseErrors)],
          ['datagrams dropped', String(stats.datagramsDropped)],
          ['faults applied', String(stats.faultsApplied)],
        ],
        ['left', 'right'],
      ),
    );
    if (outPath !== undefined) out.line(`messages written to ${outPath}`);
  }
  return 0;
}

/** The `received` event of a message. */
function receivedEvent(message: ReceivedMessage): Record<string, unknown> {
  const parsed = message.parsed;
  return {
    at: message.at,
    facility: parsed?.facilityName ?? null,
    severity: parsed?.severity ?? null,
    tag: parsed?.tag ?? null,
    level: parsed?.level ?? null,
    levelWord: parsed?.level === undefined ? null : LEVEL_WORDS[parsed.level],
    text: parsed?.text ?? null,
    peer: `${message.peer.address}:${message.peer.port}`,
    connection: message.connectionId,
    raw: message.raw,
  };
}
