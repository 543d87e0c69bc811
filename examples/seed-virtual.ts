/**
 * The seed case, reproduced in the virtual world: ESA 10.229.24.230 pushes its mail logs over
 * TCP to syslog 10.44.167.30:514; the connection is reset after the first 412 bytes. Prints the
 * capture (as Wireshark would list it), the TCP streams, what the appliance logged and alerted,
 * and the fate of every line. Writes seed.pcap for Wireshark/tshark when given `--pcap`.
 *
 * Run: npx tsx examples/seed-virtual.ts [--pcap seed.pcap]
 *
 * (Inside the package the same names come from `esa-logsim/testing`.)
 */
import { writeFileSync } from 'node:fs';
import { loadScenario, runScenario, type ScenarioEvent } from '../src/scenarios/index.js';
import { renderStreams, renderTrace } from '../src/vnet/render-trace.js';

const pcapIndex = process.argv.indexOf('--pcap');
const pcapPath = pcapIndex > 0 ? process.argv[pcapIndex + 1] : undefined;
const chunks: Uint8Array[] = [];

const scenario = loadScenario('ips-reset');
const events: ScenarioEvent[] = [];
const result = await runScenario(scenario, {
  trace: true,
  ...(pcapPath ? { pcap: (chunk: Uint8Array) => chunks.push(chunk) } : {}),
  onEvent: (event) => events.push(event),
});

console.log(`# ${scenario.name}: ${scenario.description}\n`);
console.log(renderTrace(result.trace ?? []));
console.log();
console.log(renderStreams(result.trace ?? []));

console.log('\n# What the appliance logged and alerted');
for (const event of events) {
  const t = `+${((event.at - scenario.startMs) / 1000).toFixed(4)}s`;
  if (event.type === 'log') console.log(`${t} log    ${event.line}`);
  if (event.type === 'network-error') console.log(`${t} error  ${event.message} (${event.cause})`);
  if (event.type === 'alert') console.log(`${t} alert  ${event.subject} → ${event.recipients.join(', ')}`);
  if (event.type === 'fault') console.log(`${t} fault  ${event.fault} at the ${event.source}: ${event.detail}`);
}

console.log('\n# The fate of every line (ids in the order they were logged)');
for (const run of result.fates) {
  console.log(`${run.subscription} lines ${run.from}–${run.to - 1}: ${run.fate}${run.reason ? ` (${run.reason})` : ''}`);
}
const { summary } = result;
console.log(
  `\ngenerated ${summary.generated}, delivered ${summary.delivered}, lost in flight ${summary.lostInFlight}, dropped ${summary.dropped}, ` +
    `network errors ${summary.networkErrors}, alerts ${summary.alerts}; expectations ${result.passed ? 'met' : 'NOT met'}`,
);

if (pcapPath) {
  writeFileSync(pcapPath, Buffer.concat(chunks));
  console.log(`wrote ${pcapPath}`);
}
