/**
 * The same SyslogServer on the virtual network: a VirtualNetwork host is its `Network`, a
 * VirtualClock its clock. The seed case (reset after 412 bytes, ESA 10.229.24.230 → syslog
 * 10.44.167.30:514) runs in virtual time, with exact times, and UDP loss is exact too.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { VirtualClock } from '../../src/clock/virtual-clock.js';
import { SyslogServer, type SyslogServerOptions } from '../../src/server/syslog-server.js';
import { TcpTransport } from '../../src/transports/tcp-transport.js';
import type { ConnectionResetEvent } from '../../src/transports/transport.js';
import { UdpTransport } from '../../src/transports/udp-transport.js';
import { VirtualNetwork } from '../../src/vnet/virtual-network.js';

const ESA = '10.229.24.230';
const SYSLOG = '10.44.167.30';
const line = (n: number): string => `<22>Jun 25 08:50:03 Mail_Log: Info: MID ${n} ICID ${n} RID 0 To: <rcpt${n}@example.com>`;
const lines = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => line(from + i));

async function setup(options: SyslogServerOptions = {}) {
  const clock = new VirtualClock({ startMs: 0 });
  const vnet = new VirtualNetwork({ clock, seed: 7 });
  onTestFinished(() => vnet.close());
  const esa = vnet.host(ESA);
  const syslog = vnet.host(SYSLOG);
  const server = new SyslogServer({ network: syslog, clock, host: SYSLOG, port: 514, ...options });
  /** Runs `operation` while moving virtual time on in 1 ms steps (at most `maxMs`). */
  const drive = async <T>(operation: Promise<T>, maxMs = 10_000): Promise<T> => {
    let settled = false;
    const result = operation.finally(() => (settled = true));
    for (let elapsed = 0; !settled && elapsed < maxMs; elapsed++) await clock.advance(1);
    if (!settled) throw new Error(`still pending after ${maxMs} virtual ms`);
    return result;
  };
  // Virtual sockets close in virtual time: keep the clock moving while the server closes.
  onTestFinished(() => drive(server.close()));
  expect(await drive(server.listen())).toBe(514);
  return { clock, vnet, esa, syslog, server, drive };
}

describe('SyslogServer on the virtual network', () => {
  it('the seed case in virtual time: RST after 412 bytes, ESA_ERR_CONNECTION_RESET while idle, a new connection delivers', async () => {
    const { clock, esa, server, drive } = await setup({ faults: ['reset-after-bytes=412@first=1'] });
    const transport = new TcpTransport({ host: SYSLOG, port: 514, network: esa, clock });
    onTestFinished(() => transport.destroy());
    const reset = new Promise<ConnectionResetEvent>((resolve) => transport.once('connection:reset', resolve));
    const first = await drive(transport.send(lines(1, 8)));
    expect(first.connection).toMatchObject({ id: 1, localAddress: ESA });
    const event = await drive(reset);
    expect(event).toMatchObject({ isIdle: true, error: { code: 'ESA_ERR_CONNECTION_RESET' } });
    const fitting = Math.floor(412 / (line(1).length + 1));
    expect(server.messages()).toEqual(lines(1, fitting));
    expect(server.records[0]?.key).toBe(first.connection.key);
    await drive(transport.send(lines(9, 2)));
    await drive(server.waitFor(fitting + 2));
    expect(server.messages().slice(-2)).toEqual(lines(9, 2));
    expect(server.stats).toMatchObject({ connectionsAccepted: 2, connectionsReset: 1, faultsByType: { 'reset-after-bytes': 1 } });
    await drive(transport.close());
    await drive(server.waitFor((_, stats) => stats.connectionsClosed === 2));
    expect(server.stats).toMatchObject({ connectionsOpen: 0, peerResets: 0 });
  });

  it('idle-timeout closes exactly idleMs after the last data, in virtual time', async () => {
    const { clock, esa, server, drive } = await setup({ faults: ['idle-timeout=10m'] });
    const faults: { at: number; type: string }[] = [];
    server.on('fault:applied', (event) => faults.push(event));
    const transport = new TcpTransport({ host: SYSLOG, port: 514, network: esa, clock });
    onTestFinished(() => transport.destroy());
    const closed = new Promise((resolve) => transport.once('connection:closed', resolve));
    await drive(transport.send([line(1)]));
    const dataAt = (await drive(server.waitFor(1)))[0]?.at as number;
    await clock.advance(dataAt + 600_000 - 1 - clock.now());
    expect(faults).toEqual([]);
    await clock.advance(1);
    expect(faults).toMatchObject([{ at: dataAt + 600_000, type: 'idle-timeout', action: 'close' }]);
    expect(await drive(closed)).toMatchObject({ by: 'peer', duringSend: false });
  });

  it('UDP drop=0.5 loses the same datagrams for the same seed', async () => {
    const runOnce = async (): Promise<string[]> => {
      const { clock, esa, server, drive } = await setup({ protocol: 'udp', faults: ['drop=0.5'], seed: 11 });
      const transport = new UdpTransport({ host: SYSLOG, port: 514, network: esa, clock });
      onTestFinished(() => transport.destroy());
      await drive(transport.send(lines(1, 40)));
      await drive(server.waitFor((_, stats) => stats.datagrams === 40));
      expect(server.stats.messages + server.stats.datagramsDropped).toBe(40);
      return server.messages();
    };
    const first = await runOnce();
    expect(first.length).toBeGreaterThan(5);
    expect(first.length).toBeLessThan(35);
    expect(await runOnce()).toEqual(first);
  });
});
