/**
 * `esa-logsim run SCENARIO`, `esa-logsim compare SCENARIO --policy …` and `esa-logsim scenarios`:
 * the CLI over the scenario runner.
 *
 * @module
 */

import { parsePolicy } from '../appliance/policy.js';
import { EsaError, isEsaError } from '../core/errors.js';
import { formatDurationMs } from '../core/units.js';
import { LEVEL_WORDS, type LogLevel } from '../core/vocabulary.js';
import { compareScenario, type PolicyComparisonRow } from '../scenarios/compare-scenario.js';
import { BUILT_IN_SCENARIOS, loadScenario } from '../scenarios/load-scenario.js';
import type { ScenarioEvent, ScenarioResult } from '../scenarios/result.js';
import { runScenario, type RunScenarioOptions } from '../scenarios/run-scenario.js';
import type { Scenario, ScenarioWorld } from '../scenarios/scenario.js';
import { renderTrace } from '../vnet/render-trace.js';
import type { FlagSpec, ParsedArgs } from './args.js';
import { closest, usageError } from './args.js';
import { asFlags, optional } from './flags.js';
import type { CliIo, ExitCode } from './io.js';
import { openOutputFile } from './output-file.js';
import { Output, renderTable, type CliSummary } from './output.js';

/** The flags of `run`. */
export const RUN_FLAGS: readonly FlagSpec[] = [
  { name: 'policy', kind: 'string' },
  { name: 'trace', kind: 'boolean' },
  { name: 'pcap', kind: 'string' },
  { name: 'json', kind: 'boolean' },
  { name: 'help', kind: 'boolean', short: 'h' },
];

/** The flags of `compare`. */
export const COMPARE_FLAGS: readonly FlagSpec[] = [
  { name: 'policy', kind: 'string', repeatable: true },
  { name: 'json', kind: 'boolean' },
  { name: 'help', kind: 'boolean', short: 'h' },
];

/** The flags of `scenarios`. */
export const SCENARIOS_FLAGS: readonly FlagSpec[] = [
  { name: 'json', kind: 'boolean' },
  { name: 'help', kind: 'boolean', short: 'h' },
];

/** Log lines `run` prints before it keeps to the appliance's own lines (Log Error, alerts). */
export const MAX_PRINTED_LOG_LINES = 200;

/**
 * Fault events of one kind (a fault and what it did, at the receiver or on the network) `run`
 * prints before it only counts them: a fault that acts on every packet, such as `latency` on a
 * link for an hour, would otherwise print tens of thousands of alike lines.
 */
export const MAX_PRINTED_FAULT_EVENTS_PER_KIND = 20;

/** The event types `--json` prints (DESIGN's contract). */
const JSON_EVENT_TYPES: ReadonlySet<string> = new Set(['network-error', 'alert', 'fault', 'received']);

/** Runs `esa-logsim run SCENARIO`. */
export async function runRun(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const scenario = loadNamed(args, io, 'run');
  const policyText = optional(args, 'policy');
  if (policyText !== undefined) parsePolicy(policyText, '--policy');
  const pcapPath = optional(args, 'pcap');
  const out = new Output(io, args.booleans.has('json'));
  const pcap = pcapPath === undefined ? undefined : await openOutputFile(pcapPath, '--pcap', io.cwd);
  try {
    const result = await runWithOutput(out, io, scenario, {
      ...(policyText === undefined ? {} : { policy: policyText }),
      ...(args.booleans.has('trace') ? { trace: true } : {}),
      ...(pcap ? { pcap: (chunk: Uint8Array) => pcap.write(chunk) } : {}),
    });
    if (pcap) await pcap.close();
    if (args.booleans.has('trace') && !out.json) {
      out.line('');
      out.line(renderTrace(result.trace ?? []).trimEnd());
    }
    if (pcapPath !== undefined) out.line(`packet capture written to ${pcapPath} (open it with wireshark or tshark -r)`);
    return finish(out, 'run', result);
  } finally {
    await pcap?.close();
  }
}

/**
 * Runs a scenario and prints its events as they happen (human lines or NDJSON), then its
 * summary and expectations. Shared by `run` and `demo`.
 */
export async function runWithOutput(
  out: Output,
  io: CliIo,
  scenario: Scenario,
  options: Pick<RunScenarioOptions, 'policy' | 'trace' | 'pcap' | 'world'> & {
    /** Also print what the receiver got. */
    readonly received?: boolean;
    /** The lines printed before the events (default: the scenario's name, world, seed). */
    readonly header?: readonly string[];
    /** Print the runner's notes (what the world could not model as written). @default true */
    readonly showNotes?: boolean;
  },
): Promise<ScenarioResult> {
  const world: ScenarioWorld = options.world ?? scenario.world;
  const startMs = scenario.startMs;
  const header = options.header ?? [
    `esa-logsim run ${scenario.name}${scenario.description === '' ? '' : `: ${scenario.description}`}`,
    `${world} world, seed ${scenario.seed}, ${formatDurationMs(scenario.durationMs)} simulated from ${new Date(startMs).toISOString()}` +
      `${options.policy === undefined ? '' : `, policy ${String(options.policy)}`}`,
  ];
  out.lines(header);
  out.line('');
  let logLines = 0;
  let hiddenLogLines = 0;
  const faultKinds = new Map<string, number>();
  const onEvent = (event: ScenarioEvent): void => {
    if (JSON_EVENT_TYPES.has(event.type)) out.event(event.type, eventFields(event));
    if (out.json) return;
    if (event.type === 'fault') {
      const kind = `${faultSource(event)} ${event.fault} → ${event.action}`;
      const count = (faultKinds.get(kind) ?? 0) + 1;
      faultKinds.set(kind, count);
      if (count > MAX_PRINTED_FAULT_EVENTS_PER_KIND) return;
    } else if (event.type === 'log') {
      const isOwn = event.level === 'Critical' || / alert was sent to /.test(event.line) || /^Log Error: /.test(event.line);
      if (logLines >= MAX_PRINTED_LOG_LINES && !isOwn) {
        hiddenLogLines++;
        return;
      }
      logLines++;
    }
    out.line(describeEvent(event, startMs));
  };
  const { received, header: _header, showNotes = true, ...runOptions } = options;
  const result = await asFlags({ pcap: 'pcap', trace: 'trace', policy: 'policy' }, () =>
    runScenario(scenario, {
      ...runOptions,
      onEvent,
      events: ['network-error', 'alert', 'fault', 'log', ...(received ? (['received'] as const) : [])],
      onProgress: ({ simulatedMs, totalMs }) => out.progress(`simulating ${scenario.name}: ${formatDurationMs(simulatedMs)} of ${formatDurationMs(totalMs)}`),
      ...(io.signal ? { signal: io.signal } : {}),
    }),
  );
  out.clearProgress();
  if (hiddenLogLines > 0) out.line(`(${hiddenLogLines} more log lines of the traffic not shown: after ${MAX_PRINTED_LOG_LINES}, only the appliance's own lines are printed)`);
  const hiddenFaults = [...faultKinds].filter(([, count]) => count > MAX_PRINTED_FAULT_EVENTS_PER_KIND);
  if (hiddenFaults.length > 0) {
    const total = hiddenFaults.reduce((sum, [, count]) => sum + count - MAX_PRINTED_FAULT_EVENTS_PER_KIND, 0);
    const kinds = hiddenFaults.map(([kind, count]) => `${kind} ${count - MAX_PRINTED_FAULT_EVENTS_PER_KIND}`).join(', ');
    out.line(`(${total} more fault events not shown, after the first ${MAX_PRINTED_FAULT_EVENTS_PER_KIND} of each kind: ${kinds}; --json prints them all)`);
  }
  if (showNotes) for (const note of result.notes) out.line(`note: ${note}`);
  return result;
}

/**
 * Prints the summary and the expectations.
 *
 * @throws EsaError `ESA_ERR_EXPECTATION_FAILED` (exit 1) naming the expectations that failed.
 */
function finish(out: Output, command: string, result: ScenarioResult): ExitCode {
  const { summary } = result;
  const counts: CliSummary = {
    generated: summary.generated,
    delivered: summary.delivered,
    dropped: summary.dropped,
    lostInFlight: summary.lostInFlight,
    duplicated: summary.duplicated,
    pending: summary.pending,
    networkErrors: summary.networkErrors,
    alerts: summary.alerts,
  };
  out.summary(counts, {
    scenario: result.name,
    world: result.world,
    policy: result.policy,
    droppedByReason: summary.droppedByReason,
    delay: summary.delay,
    passed: result.passed,
    expectations: result.expectations.map(({ name, ok, expected, actual }) => ({ name, ok, expected, actual })),
  });
  if (!out.json) {
    const dropped = Object.entries(summary.droppedByReason).filter(([, count]) => count > 0);
    if (dropped.length > 0) out.line(`dropped by reason: ${dropped.map(([reason, count]) => `${reason} ${count}`).join(', ')}`);
    if (summary.delay.p50Ms !== null) out.line(`delivery delay: p50 ${summary.delay.p50Ms} ms, p99 ${summary.delay.p99Ms} ms, max ${summary.delay.maxMs} ms`);
    if (result.expectations.length > 0) {
      out.line('');
      out.line('expectations:');
      for (const expectation of result.expectations) out.line(`  ${expectation.ok ? 'ok  ' : 'FAIL'} ${expectation.text}`);
    }
  }
  const failed = result.expectations.filter((expectation) => !expectation.ok);
  if (failed.length === 0) return 0;
  throw new EsaError(
    'ESA_ERR_EXPECTATION_FAILED',
    `esa-logsim ${command}: ${failed.length} of ${result.expectations.length} expectations of ${result.name} failed: ${failed.map((e) => e.text).join('; ')}`,
  );
}

/** Runs `esa-logsim compare SCENARIO --policy A --policy B …`. */
export async function runCompare(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const scenario = loadNamed(args, io, 'compare');
  const policies = args.lists.get('policy') ?? [];
  for (const policy of policies) parsePolicy(policy, '--policy');
  const out = new Output(io, args.booleans.has('json'));
  const labels = policies.length > 0 ? policies : scenario.policies.map((policy) => policy.label);
  out.line(`esa-logsim compare ${scenario.name}: ${scenario.description}`);
  out.line(`virtual world, seed ${scenario.seed}, ${formatDurationMs(scenario.durationMs)} simulated, ${labels.length} polic${labels.length === 1 ? 'y' : 'ies'}`);
  out.line('');
  let done = 0;
  out.progress(`comparing: 0 of ${labels.length} policies run`);
  const rows = await compareScenario(scenario, policies.length > 0 ? policies : undefined, {
    ...(io.signal ? { signal: io.signal } : {}),
    onRow: (row) => {
      done++;
      out.event('comparison', { ...row });
      out.progress(`comparing: ${done} of ${labels.length} policies run`);
    },
  });
  out.clearProgress();
  if (!out.json) out.lines(comparisonTable(rows));
  return 0;
}

/** The comparison as a table, one row per policy. */
export function comparisonTable(rows: readonly PolicyComparisonRow[]): string[] {
  const ms = (value: number | null): string => (value === null ? '-' : formatDurationMs(value));
  return renderTable(
    [
      ['policy', 'generated', 'delivered', 'dropped', 'lost in flight', 'duplicated', 'delay p50', 'delay p99', 'network errors', 'alerts'],
      ...rows.map((row) => [
        row.policy,
        String(row.generated),
        String(row.delivered),
        String(row.dropped),
        String(row.lostInFlight),
        String(row.duplicated),
        ms(row.delayP50Ms),
        ms(row.delayP99Ms),
        String(row.networkErrors),
        String(row.alerts),
      ]),
    ],
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** Runs `esa-logsim scenarios`. */
export async function runScenarios(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const out = new Output(io, args.booleans.has('json'));
  for (const entry of BUILT_IN_SCENARIOS) out.event('scenario', { name: entry.name, description: entry.description, world: entry.scenario.world });
  const width = Math.max(...BUILT_IN_SCENARIOS.map((entry) => entry.name.length));
  out.lines(BUILT_IN_SCENARIOS.map((entry) => `${entry.name.padEnd(width)}  ${entry.description}`));
  out.line('');
  out.line('Run one with: esa-logsim run NAME   (or a JSON file of your own: docs/scenarios.md)');
  return 0;
}

function loadNamed(args: ParsedArgs, io: CliIo, command: string): Scenario {
  const name = args.positionals[0];
  if (name === undefined) throw usageError(`esa-logsim ${command}: give a SCENARIO: a built-in name (esa-logsim scenarios lists them) or a JSON file`);
  try {
    return loadScenario(name, io.cwd === undefined ? {} : { baseDir: io.cwd });
  } catch (error) {
    const suggestion = isEsaError(error, 'ESA_ERR_UNKNOWN_SCENARIO') ? closest(name, BUILT_IN_SCENARIOS.map((entry) => entry.name)) : undefined;
    if (suggestion && error instanceof Error) error.message = `${error.message}; did you mean ${suggestion}?`;
    throw error;
  }
}

/** The NDJSON fields of an event (its `type` is added by the writer). */
function eventFields(event: ScenarioEvent): Record<string, unknown> {
  const { type: _type, ...fields } = event;
  return fields;
}

/** One human line for an event: `+2.000s  fault  …`. */
function describeEvent(event: ScenarioEvent, startMs: number): string {
  const at = `+${((event.at - startMs) / 1000).toFixed(3)}s`.padStart(9);
  switch (event.type) {
    case 'log':
      return `${at}  appliance  ${event.line}`;
    case 'network-error':
      return `${at}  appliance  network error (${event.cause}): ${event.detail}`;
    case 'alert':
      return `${at}  appliance  ${event.class}/${event.severity} alert to ${event.recipients.join(', ')}: ${event.subject}`;
    case 'fault':
      return `${at}  ${faultSource(event).padEnd(9)}  fault ${event.fault} → ${event.action}: ${event.detail}${event.connection ? ` (${event.connection})` : ''}`;
    case 'received': {
      const pri = event.facility === null ? '' : `<${event.facility}.${SEVERITY_NAMES[event.severity ?? 7] ?? event.severity}> `;
      const level = event.level === null ? '' : `${LEVEL_WORDS[event.level as LogLevel] ?? event.level}: `;
      return `${at}  receiver   got ${pri}${event.tag === null ? '' : `${event.tag}: `}${level}${event.text}  (from ${event.peer})`;
    }
  }
}

/** Where a fault event happened, as the human lines name it: `network` (a link) or `receiver`. */
function faultSource(event: Extract<ScenarioEvent, { type: 'fault' }>): string {
  return event.source === 'link' ? 'network' : 'receiver';
}

/** Syslog severity names (RFC 5424), as receivers show them. */
const SEVERITY_NAMES: readonly string[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
