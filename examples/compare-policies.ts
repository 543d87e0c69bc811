/**
 * "How much do we lose with policy X under fault pattern Y?" — one scenario (a receiver that
 * restarts: reset, refused for 15 s, healed) run under ESA's own policy, two built-in models and
 * a policy function of your own, in the virtual world (same seed, same traffic, same faults).
 *
 * Run: npx tsx examples/compare-policies.ts
 * (The CLI does the same: esa-logsim compare receiver-restart --policy esa --policy retry:retries=5)
 *
 * In your project the imports are `esa-logsim` and `esa-logsim/testing`.
 */
import type { PolicyFunction } from '../src/index.js';
import { compareScenario, loadScenario } from '../src/testing.js';

/** Your own policy: retry a failed batch twice after 2 s, then keep its lines for the next push. */
const patient: PolicyFunction = (context) => (context.attempt <= 2 ? { action: 'retry', delayMs: 2000 } : { action: 'keep' });

const scenario = loadScenario('receiver-restart');
console.log(`${scenario.name}: ${scenario.description}\n`);

const rows = await compareScenario(scenario, ['esa', 'retry:retries=5,min=1s,max=10s', 'buffer:max=2000,overflow=drop-oldest', patient]);
const header = ['policy', 'generated', 'delivered', 'dropped', 'lost in flight', 'duplicated', 'delay p50', 'delay p99', 'network errors', 'alerts'];
const table = rows.map((row) => [
  row.policy,
  row.generated,
  row.delivered,
  row.dropped,
  row.lostInFlight,
  row.duplicated,
  row.delayP50Ms === null ? '-' : `${Math.round(row.delayP50Ms)} ms`,
  row.delayP99Ms === null ? '-' : `${Math.round(row.delayP99Ms)} ms`,
  row.networkErrors,
  row.alerts,
].map(String));
const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => (cells[i] ?? '').length)));
for (const cells of [header, ...table]) console.log(cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '));

const esa = rows[0];
const best = [...rows].sort((a, b) => a.dropped + a.lostInFlight - (b.dropped + b.lostInFlight))[0];
if (esa && best) {
  console.log(`\nESA's own behaviour loses ${esa.dropped + esa.lostInFlight} of ${esa.generated} lines; ${best.policy} loses ${best.dropped + best.lostInFlight}.`);
}
