/**
 * The built-in scenario library and the runner in the virtual world: every built-in reproduces
 * its field case and meets its own expectations; runs are deterministic for a seed; events,
 * progress, trace, pcap, abort and policy comparison behave as documented.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/clock/virtual-clock.js';
import {
  BUILT_IN_SCENARIOS,
  BUILT_IN_SCENARIO_NAMES,
  compareScenario,
  loadScenario,
  runScenario,
  type ScenarioEvent,
  type ScenarioResult,
} from '../src/scenarios/index.js';
import { renderTrace } from '../src/vnet/render-trace.js';

/** Runs a scenario on a clock the test can inspect afterwards. */
async function run(name: string, options: Parameters<typeof runScenario>[1] = {}): Promise<{ result: ScenarioResult; clock: VirtualClock }> {
  const scenario = loadScenario(name);
  const clock = new VirtualClock({ startMs: scenario.startMs, loopLimit: 10_000_000 });
  const result = await runScenario(scenario, { ...options, clock });
  return { result, clock };
}

function expectLedgerInvariant(result: ScenarioResult): void {
  const s = result.summary;
  expect(s.generated).toBe(s.delivered + s.dropped + s.lostInFlight + s.pending);
  expect(s.dropped).toBe(Object.values(s.droppedByReason).reduce((sum, n) => sum + n, 0));
  const fateTotal = result.fates.reduce((sum, run) => sum + (run.to - run.from), 0);
  expect(fateTotal).toBe(s.generated);
}

describe('built-in scenarios', () => {
  it('lists the seed first, each with a unique name and a one-line description', () => {
    expect(BUILT_IN_SCENARIO_NAMES[0]).toBe('ips-reset');
    expect(BUILT_IN_SCENARIO_NAMES).toEqual([
      'ips-reset',
      'firewall-drop',
      'busy-server',
      'receiver-restart',
      'idle-timeout',
      'udp-port-unreachable',
      'udp-loss',
      'long-lines',
      'multiline-warning',
      'slow-receiver',
    ]);
    for (const entry of BUILT_IN_SCENARIOS) {
      expect(entry.description).toMatch(/^[A-Z].{20,160}$/);
      expect(entry.description).not.toContain('\n');
      expect(entry.scenario.expectations.length).toBeGreaterThan(0);
      expect(loadScenario(entry.name)).toBe(entry.scenario);
    }
  });

  it.for(BUILT_IN_SCENARIO_NAMES)('%s meets its expectations, accounts for every line and leaves no timer', async (name) => {
    const { result, clock } = await run(name);
    const failed = result.expectations.filter((expectation) => !expectation.ok).map((expectation) => expectation.text);
    expect(failed).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.summary.pending).toBe(0);
    expectLedgerInvariant(result);
    expect(result.world).toBe('virtual');
    expect(clock.pending).toBe(0);
  });

  it('firewall-drop: every connect times out while SYNs are dropped, and the lines of those pushes are dropped, not lost', async () => {
    const { result } = await run('firewall-drop');
    const { summary } = result;
    expect(summary.networkErrorsByCause).toEqual({ ESA_ERR_CONNECT_TIMEOUT: summary.networkErrors });
    expect(summary.lostInFlight).toBe(0);
    expect(summary.droppedByReason['network-error']).toBe(summary.dropped);
    expect(summary.connections).toBe(1);
  });

  it('busy-server: only the second subscription fails, and duplicate alerts are held back', async () => {
    const { result } = await run('busy-server');
    const [mail, system] = result.subscriptions;
    expect(mail).toMatchObject({ name: 'Mail_Log', networkErrors: 0, dropped: 0, lostInFlight: 0 });
    expect(system?.networkErrors).toBeGreaterThan(1);
    expect(result.summary.alerts).toBe(1);
    expect(result.summary.alertsSuppressed).toBe(result.summary.networkErrors - 1);
  });

  it('udp-loss: the lines lost in flight are exactly the datagrams the link dropped', async () => {
    const { result } = await run('udp-loss');
    // Every line is one datagram; the logfile header goes out once at the start and got through.
    expect(result.summary.lostInFlight).toBe(result.summary.faults);
    expect(result.summary.receiver.messages).toBe(result.summary.delivered + 3);
  });

  it('long-lines: the receiver cut the two long lines and still counts them delivered', async () => {
    const { result } = await run('long-lines');
    expect(result.summary.receiver.oversize).toBe(2);
    expect(result.summary.delivered).toBe(result.summary.generated);
  });

  it('multiline-warning: one line becomes three messages at the receiver, two of them without a header', async () => {
    const events: ScenarioEvent[] = [];
    const { result } = await run('multiline-warning', { onEvent: (event) => events.push(event), events: ['received'] });
    const texts = events.flatMap((event) => (event.type === 'received' ? [event.text] : []));
    const at = texts.indexOf("MID 64870 antivirus unscannable: attachment 'invoice.zip'");
    expect(at).toBeGreaterThan(0);
    expect(texts.slice(at + 1, at + 3)).toEqual(['Reason: the archive is encrypted', 'Action: message quarantined to "Virus"']);
    expect(result.summary.receiver.parseErrors).toBe(2);
    expect(result.summary.receiver.messages).toBe(result.summary.delivered + 3 + 2);
  });

  it('idle-timeout: the receiver closes 300 s after the last data; the error is noticed at once, nothing is lost', async () => {
    const events: ScenarioEvent[] = [];
    const { result } = await run('idle-timeout', { onEvent: (event) => events.push(event) });
    const fault = events.find((event) => event.type === 'fault');
    const error = events.find((event) => event.type === 'network-error');
    const start = loadScenario('idle-timeout').startMs;
    // The last line, written at 5 s, went out with the push at that instant and arrived 0.25 ms later.
    expect(fault).toMatchObject({ fault: 'idle-timeout', action: 'close', source: 'receiver', at: start + 305_000.25 });
    // The FIN reaches the appliance one link latency later; it notices at once.
    expect(error).toMatchObject({ cause: 'ESA_ERR_CONNECTION_CLOSED', isIdle: true, subscription: 'Mail_Log', at: start + 305_000.5 });
    expect(result.summary).toMatchObject({ dropped: 0, lostInFlight: 0, reconnectLogfiles: 1 });
  });
});

describe('runScenario (virtual world)', () => {
  it.for(['ips-reset', 'udp-loss', 'slow-receiver'])('%s: the same seed gives the same summary, fates and packets', async (name) => {
    const first = await run(name, { trace: { limit: 100_000 } });
    const second = await run(name, { trace: { limit: 100_000 } });
    expect(second.result.summary).toEqual(first.result.summary);
    expect(second.result.fates).toEqual(first.result.fates);
    expect(renderTrace(second.result.trace ?? [])).toBe(renderTrace(first.result.trace ?? []));
    expect(first.result.trace?.length).toBeGreaterThan(10);
  });

  it('another seed loses other datagrams', async () => {
    const scenario = loadScenario('udp-loss');
    const a = await runScenario(scenario);
    const b = await runScenario(loadScenario({ ...scenario.input, seed: 99 }));
    expect(b.fates).not.toEqual(a.fates);
  });

  it('streams network errors, alerts, faults and log lines; received messages only on request', async () => {
    const events: ScenarioEvent[] = [];
    await run('ips-reset', { onEvent: (event) => events.push(event) });
    const types = new Set(events.map((event) => event.type));
    expect([...types].sort()).toEqual(['alert', 'fault', 'log', 'network-error']);
    expect(events.find((event) => event.type === 'alert')).toMatchObject({
      class: 'System',
      severity: 'Critical',
      subject: 'Critical <System> mail.example.com: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
      recipients: ['admin@example.com'],
    });
    const logs = events.flatMap((event) => (event.type === 'log' ? [event.line] : []));
    expect(logs).toContain('Wed Jun 25 08:50:05 2014 Critical: Log Error: Subscription Mail_Log: Network error while sending log data to syslog server');
    expect(logs).toContain(
      'Wed Jun 25 08:50:05 2014 Info: A System/Critical alert was sent to admin@example.com with subject "Critical <System> mail.example.com: Log Error: Subscription Mail_Log: Network error while sending l...".',
    );
    const only: ScenarioEvent[] = [];
    await run('ips-reset', { onEvent: (event) => only.push(event), events: ['network-error'] });
    expect(only.map((event) => event.type)).toEqual(['network-error']);
  });

  it('reports progress in simulated time, up to the duration', async () => {
    const progress: number[] = [];
    await run('udp-loss', { onProgress: (p) => progress.push(p.simulatedMs) });
    expect(progress.at(-1)).toBe(60_000);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.length).toBeGreaterThan(10);
  });

  it('writes a pcap file while it keeps a bounded trace', async () => {
    const chunks: Uint8Array[] = [];
    const { result } = await run('ips-reset', { pcap: (chunk) => chunks.push(chunk), trace: { limit: 5 } });
    const header = new DataView(chunks[0]?.buffer as ArrayBuffer, chunks[0]?.byteOffset);
    expect(header.getUint32(0, true)).toBe(0xa1b2c3d4);
    expect(chunks.length).toBe(1 + 21);
    expect(result.trace?.map((packet) => packet.no)).toEqual([17, 18, 19, 20, 21]);
  });

  it('records no packets unless asked', async () => {
    const { result } = await run('ips-reset');
    expect(result.trace).toBeUndefined();
  });

  it('stops on abort: rejects with ESA_ERR_ABORTED and leaves no timer', async () => {
    const controller = new AbortController();
    const scenario = loadScenario('slow-receiver');
    const clock = new VirtualClock({ startMs: scenario.startMs, loopLimit: 10_000_000 });
    const running = runScenario(scenario, {
      clock,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.simulatedMs >= 5000) controller.abort();
      },
    });
    await expect(running).rejects.toMatchObject({ code: 'ESA_ERR_ABORTED' });
    expect(clock.now() - scenario.startMs).toBeLessThan(scenario.durationMs);
    expect(clock.pending).toBe(0);
  });

  it('finishes and closes the run when an event listener throws, then rejects with its error', async () => {
    const scenario = loadScenario('ips-reset');
    const clock = new VirtualClock({ startMs: scenario.startMs });
    const failure = new Error('listener bug');
    let calls = 0;
    const running = runScenario(scenario, {
      clock,
      onEvent: () => {
        calls++;
        throw failure;
      },
    });
    await expect(running).rejects.toBe(failure);
    expect(calls).toBeGreaterThan(5);
    expect(clock.now() - scenario.startMs).toBeGreaterThanOrEqual(scenario.durationMs);
    expect(clock.pending).toBe(0);
  });

  it('overrides every subscription\'s policy with the policy option', async () => {
    const esa = await runScenario(loadScenario('receiver-restart'));
    const buffered = await runScenario(loadScenario('receiver-restart'), { policy: 'buffer:max=5000' });
    expect(esa.policy).toBe('esa');
    expect(buffered.policy).toBe('buffer:max=5000');
    expect(esa.summary.droppedByReason['network-error']).toBeGreaterThan(0);
    expect(buffered.summary.droppedByReason['network-error']).toBe(0);
    expect(buffered.summary.delivered).toBeGreaterThan(esa.summary.delivered);
  });

  it('rejects options it does not know, and tracing outside the virtual world', async () => {
    const scenario = loadScenario('ips-reset');
    await expect(runScenario(scenario, { traced: true } as never)).rejects.toMatchObject({ code: 'ESA_ERR_INVALID_OPTION', option: 'traced' });
    await expect(runScenario(scenario, { world: 'loopback', trace: true })).rejects.toMatchObject({ code: 'ESA_ERR_INVALID_OPTION', option: 'trace' });
    await expect(runScenario(scenario, { world: 'loopback', pcap: () => {} })).rejects.toMatchObject({ code: 'ESA_ERR_INVALID_OPTION', option: 'pcap' });
    await expect(runScenario(scenario, { events: ['packets'] as never })).rejects.toMatchObject({ code: 'ESA_ERR_INVALID_OPTION', option: 'events' });
    await expect(runScenario(scenario, { policy: 'retry:tries=3' })).rejects.toMatchObject({ code: 'ESA_ERR_INVALID_OPTION' });
  });

  it('rejects a world the scenario cannot run in: dropped SYNs exist only in the virtual world', async () => {
    await expect(runScenario(loadScenario('firewall-drop'), { world: 'loopback' })).rejects.toMatchObject({
      code: 'ESA_ERR_INVALID_SCENARIO',
      option: 'network.faults[0]',
      message: expect.stringContaining('exists only in the virtual world'),
    });
  });

  it('runs a plain document too (validated first)', async () => {
    const result = await runScenario({ name: 'tiny', duration: '3s', traffic: { writes: [{ at: '1s', text: 'hello' }] }, expect: { delivered: 1 } } as never);
    expect(result).toMatchObject({ name: 'tiny', passed: true, summary: { generated: 1, delivered: 1 } });
  });

  it('reports failed expectations without throwing', async () => {
    const scenario = loadScenario({ ...loadScenario('idle-timeout').input, expect: { networkErrors: 0, 'delay.p99Ms': { max: 10 } } });
    const result = await runScenario(scenario);
    expect(result.passed).toBe(false);
    expect(result.expectations).toEqual([
      { name: 'networkErrors', ok: false, expected: { min: 0, max: 0 }, actual: 1, text: 'networkErrors = 0: got 1' },
      expect.objectContaining({ name: 'delay.p99Ms', ok: false, expected: { max: 10 } }),
    ]);
  });
});

describe('compareScenario', () => {
  it('runs one row per policy with the same faults: buffering keeps what the ESA policy drops', async () => {
    const rows = await compareScenario(loadScenario('receiver-restart'), ['esa', 'retry:retries=20,min=1s,max=2s', 'buffer:max=5000']);
    expect(rows.map((row) => row.policy)).toEqual(['esa', 'retry:retries=20,min=1s,max=2s', 'buffer:max=5000']);
    const [esa, retry, buffer] = rows;
    for (const row of rows) {
      expect(row.generated).toBe(row.delivered + row.dropped + row.lostInFlight + row.pending);
      expect(row.networkErrors).toBeGreaterThan(0);
    }
    expect(esa?.dropped).toBeGreaterThan(0);
    expect(buffer?.dropped).toBe(0);
    expect(retry?.delivered).toBeGreaterThan(esa?.delivered ?? 0);
    expect(buffer?.delayP99Ms).toBeGreaterThan(esa?.delayP99Ms ?? 0);
  });

  it('uses the scenario\'s own policies by default and rejects a bad one by its index', async () => {
    const rows = await compareScenario(loadScenario('ips-reset'));
    expect(rows.map((row) => row.policy)).toEqual(['esa', 'retry:retries=3,min=500ms,max=5s', 'buffer:max=1000']);
    await expect(compareScenario(loadScenario('ips-reset'), ['esa', 'bogus'])).rejects.toMatchObject({ option: 'policies[1]' });
  });
});
