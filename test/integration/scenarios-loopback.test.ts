/**
 * Scenarios in the loopback world: the same appliance and receiver on real sockets on 127.0.0.1,
 * driven by a VirtualClock step by step. Fault timelines stay consistent with the virtual world;
 * after the run no socket, server or timer is left.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { loadScenario, runScenario, type ScenarioEvent, type ScenarioResult } from '../../src/scenarios/index.js';

const SOCKET_RESOURCES = new Set(['TCPServerWrap', 'TCPSocketWrap', 'TCPWrap', 'UDPWrap']);

function openSockets(): number {
  return process.getActiveResourcesInfo().filter((name) => SOCKET_RESOURCES.has(name)).length;
}

async function runLoopback(input: Parameters<typeof loadScenario>[0], events?: ScenarioEvent[]): Promise<{ result: ScenarioResult; clock: VirtualClock }> {
  const scenario = loadScenario(input);
  const clock = new VirtualClock({ startMs: scenario.startMs, loopLimit: 10_000_000 });
  const before = openSockets();
  const result = await runScenario(scenario, { world: 'loopback', clock, ...(events ? { onEvent: (event) => events.push(event) } : {}) });
  expect(clock.pending).toBe(0);
  expect(openSockets()).toBeLessThanOrEqual(before);
  const s = result.summary;
  expect(s.generated).toBe(s.delivered + s.dropped + s.lostInFlight + s.pending);
  expect(s.pending).toBe(0);
  return { result, clock };
}

describe('scenarios on loopback', () => {
  it('ips-reset: the receiver resets after 412 bytes; Log Error, alert, a new logfile on reconnect, the same fates as in the virtual world', async () => {
    const events: ScenarioEvent[] = [];
    const { result } = await runLoopback('ips-reset', events);
    expect(result.world).toBe('loopback');
    expect(result.expectations.filter((expectation) => !expectation.ok)).toEqual([]);
    expect(events.find((event) => event.type === 'network-error')).toMatchObject({
      message: 'Log Error: Subscription Mail_Log: Network error while sending log data to syslog server',
      cause: 'ESA_ERR_CONNECTION_RESET',
    });
    expect(result.fates.map((run) => [run.from, run.to, run.fate])).toEqual([
      [0, 1, 'delivered'],
      [1, 5, 'lost-in-flight'],
      [5, 11, 'delivered'],
    ]);
    expect(result.notes).toEqual(expect.arrayContaining([expect.stringContaining('virtual wire')]));
  });

  it('receiver-restart: connections are refused during the window, then the receiver is back', async () => {
    const { result } = await runLoopback('receiver-restart');
    expect(result.expectations.filter((expectation) => !expectation.ok)).toEqual([]);
    expect(result.summary.networkErrorsByCause.ESA_ERR_CONNECTION_REFUSED).toBeGreaterThan(0);
  });

  it('udp-port-unreachable: the kernel\'s ICMP port unreachable fails the next send', async () => {
    const { result } = await runLoopback('udp-port-unreachable');
    expect(result.summary.networkErrorsByCause.ESA_ERR_PORT_UNREACHABLE).toBeGreaterThan(0);
    expect(result.summary.delivered).toBeGreaterThan(0);
    // The kernel answers at once: the failure shows on the next send of the same push, so the
    // lines are dropped rather than lost in flight as on the virtual link's 0.25 ms.
    expect(result.summary.droppedByReason['network-error']).toBeGreaterThan(0);
  });

  it('keeps the timeline of the virtual world: an idle timeout on the receiver gives the same counts in both worlds', async () => {
    const input = {
      name: 'loopback-idle',
      world: 'loopback',
      duration: '2m',
      receiver: { faults: ['idle-timeout=30s'] },
      traffic: { writes: [{ at: '1s', text: 'before' }, { at: '85s', text: 'after' }] },
      // Each Log Error line is itself pushed on a new connection, which idles out in turn.
      expect: { 'networkErrorsByCause.ESA_ERR_CONNECTION_CLOSED': { min: 2 }, lostInFlight: 0, dropped: 0 },
    } as const;
    const { result } = await runLoopback(input);
    expect(result.expectations.filter((expectation) => !expectation.ok)).toEqual([]);
    expect(result.notes).toEqual(['receiver.port: the receiver listens on a free port of 127.0.0.1 on loopback']);
    const virtual = await runScenario(loadScenario({ ...input, world: 'virtual' }));
    const counts = ({ summary: s }: ScenarioResult) => [s.generated, s.delivered, s.dropped, s.lostInFlight, s.networkErrors, s.alerts, s.alertsSuppressed, s.logfiles, s.connections];
    expect(counts(result)).toEqual(counts(virtual));
  });
});
