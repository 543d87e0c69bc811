/**
 * A host of the virtual network: a {@link Network} (connect, listen, UDP sockets) whose sockets
 * behave like Node's, so `TcpTransport`, `UdpTransport` and `SyslogServer` run on it unchanged.
 *
 * @module
 */

import { EsaError, InvalidOptionError } from '../core/errors.js';
import type {
  DatagramSocket,
  Network,
  StreamConnectOptions,
  StreamListener,
  StreamListenOptions,
  StreamSocket,
} from '../core/network.js';
import type { Random } from '../core/random.js';
import { canonicalAddress, ipFamily, isLoopbackOrWildcard, type IpFamily } from './address.js';
import type { HostStack, ResolvedVirtualHostOptions } from './host-options.js';
import type { HostPort, NetworkCore } from './network-core.js';
import { ACK, FIN, portUnreachable, RST, SYN, tcpPacket, type Packet } from './packet.js';
import { nodeError, systemError } from './socket-errors.js';
import { VirtualTcpSocket } from './tcp-socket.js';
import { VirtualDatagramSocket } from './udp-socket.js';

/** The first ephemeral port (the seed's capture shows `26040 > shell`). */
export const FIRST_EPHEMERAL_PORT = 26_040;
const LAST_PORT = 65_535;

interface ListenerEntry {
  readonly onConnection: (socket: StreamSocket) => void;
  isClosed: boolean;
  readonly open: Set<VirtualTcpSocket>;
  whenIdle: (() => void) | undefined;
}

/**
 * A virtual host. Get one from `VirtualNetwork.host(address, options)`; pass it wherever a
 * {@link Network} is expected (`new TcpTransport({ network: host, clock, … })`).
 *
 * Names it resolves: its own address, `localhost`, `127.x.x.x`, `::1`, `0.0.0.0`, `::` (all
 * mean this host) and the address of any host of the same network. Other IP literals are
 * unreachable (`EHOSTUNREACH`); other names fail like a DNS miss (`ENOTFOUND`).
 */
export class VirtualHost implements Network {
  /** The host's address (canonical), also its {@link Network.name}. */
  readonly address: string;
  /** 4 or 6. */
  readonly family: IpFamily;
  /** The TCP stack options in force. */
  readonly options: ResolvedVirtualHostOptions;
  readonly #core: NetworkCore;
  readonly #stack: HostStack;
  readonly #listeners = new Map<number, ListenerEntry>();
  /** TCP connections by remote address, then by `localPort * 65536 + remotePort`. */
  readonly #tcp = new Map<string, Map<number, VirtualTcpSocket>>();
  #tcpCount = 0;
  readonly #tcpPorts = new Map<number, number>();
  readonly #udp = new Map<number, VirtualDatagramSocket>();
  #nextTcpPort = FIRST_EPHEMERAL_PORT;
  #nextUdpPort = FIRST_EPHEMERAL_PORT;

  /** @internal Made by `VirtualNetwork.host()`. */
  constructor(core: NetworkCore, address: string, family: IpFamily, options: ResolvedVirtualHostOptions, random: Random) {
    this.#core = core;
    this.address = address;
    this.family = family;
    this.options = options;
    this.#stack = {
      core,
      address,
      family,
      options,
      random,
      releaseTcp: (localPort, remoteAddress, remotePort) => this.#releaseTcp(localPort, remoteAddress, remotePort),
      accept: (localPort, socket) => this.#accept(localPort, socket as VirtualTcpSocket),
      releaseUdp: (port) => this.#udp.delete(port),
      bindUdp: (port, socket) => this.#bindUdp(port, socket as VirtualDatagramSocket),
      resolve: (host) => this.#resolve(host),
    };
    const port: HostPort = { family, receive: (packet) => this.#receive(packet), abort: () => this.#abort() };
    core.addHost(address, port);
  }

  /** The host's address: a short name for messages and traces. */
  get name(): string {
    return this.address;
  }

  /** Open TCP connections (kernel state, including connections whose socket already closed). */
  get tcpConnections(): number {
    return this.#tcpCount;
  }

  /** Bound UDP sockets. */
  get udpSockets(): number {
    return this.#udp.size;
  }

  connect(options: StreamConnectOptions): StreamSocket {
    this.#core.assertOpen('connect');
    const { host, port } = options;
    if (!Number.isInteger(port) || port < 1 || port > LAST_PORT) {
      throw nodeError('ERR_SOCKET_BAD_PORT', `Port should be > 0 and < 65536. Received ${String(port)}.`);
    }
    const resolved = this.#resolve(host);
    const localAddress = options.localAddress;
    let failure: ReturnType<typeof systemError> | undefined;
    if ('code' in resolved) {
      failure = resolved.code === 'ENOTFOUND' ? systemError('ENOTFOUND', 'getaddrinfo', host) : systemError(resolved.code, 'connect', host, port);
    } else if (localAddress !== undefined && !this.#isOwn(localAddress)) {
      failure = systemError('EADDRNOTAVAIL', 'bind', localAddress);
    }
    const remote = 'address' in resolved ? resolved.address : host;
    const localPort = failure === undefined ? this.#ephemeralTcpPort() : 0;
    if (localPort < 0) failure = systemError('EADDRNOTAVAIL', 'connect', remote, port);
    if (failure !== undefined) {
      const socket = new VirtualTcpSocket(this.#stack, 0, remote, port, true);
      socket.fail(failure);
      return socket;
    }
    const socket = new VirtualTcpSocket(this.#stack, localPort, remote, port, true);
    this.#addTcp(localPort, remote, port, socket);
    socket.start();
    return socket;
  }

  listen(options: StreamListenOptions, onConnection: (socket: StreamSocket) => void): Promise<StreamListener> {
    try {
      this.#core.assertOpen('listen');
    } catch (error) {
      return Promise.reject(error);
    }
    const { host, port } = options;
    if (!Number.isInteger(port) || port < 0 || port > LAST_PORT) {
      return Promise.reject(new InvalidOptionError('port', port, 'an integer from 0 to 65535'));
    }
    const where = `${host}:${port}`;
    if (!this.#isOwn(host)) {
      return Promise.reject(
        new EsaError('ESA_ERR_NETWORK', `Cannot listen on ${where}: the address is not this virtual host's (${this.address})`, {
          cause: systemError('EADDRNOTAVAIL', 'listen', host, port),
        }),
      );
    }
    const bound = port === 0 ? this.#ephemeralTcpPort() : port;
    if (bound < 0 || this.#listeners.has(bound)) {
      return Promise.reject(
        new EsaError('ESA_ERR_ADDRESS_IN_USE', `Cannot listen on ${where}: the address is already in use`, {
          cause: systemError('EADDRINUSE', 'listen', host, port),
        }),
      );
    }
    const entry: ListenerEntry = { onConnection, isClosed: false, open: new Set(), whenIdle: undefined };
    this.#listeners.set(bound, entry);
    let closing: Promise<void> | undefined;
    const address = host === '0.0.0.0' || host === '::' ? host : host === '' ? (this.family === 6 ? '::' : '0.0.0.0') : this.address;
    return Promise.resolve({
      address,
      port: bound,
      // Like Node's server.close(): stop accepting now, resolve once the accepted sockets closed.
      close: () =>
        (closing ??= new Promise<void>((resolve) => {
          entry.isClosed = true;
          if (this.#listeners.get(bound) === entry) this.#listeners.delete(bound);
          if (entry.open.size === 0) resolve();
          else entry.whenIdle = resolve;
        })),
    });
  }

  createDatagramSocket(family: 4 | 6): DatagramSocket {
    this.#core.assertOpen('create a datagram socket');
    if (family !== 4 && family !== 6) throw new InvalidOptionError('family', family, '4 or 6');
    return new VirtualDatagramSocket(this.#stack, family);
  }

  /** `VirtualHost(10.44.167.30)`. */
  toString(): string {
    return `VirtualHost(${this.address})`;
  }

  // --- stack ------------------------------------------------------------------------------------

  #receive(packet: Packet): void {
    if (packet.protocol === 'TCP') {
      const socket = this.#tcp.get(packet.src)?.get(packet.dstPort * 65536 + packet.srcPort);
      if (socket !== undefined) {
        socket.input(packet);
        return;
      }
      this.#noConnection(packet);
      return;
    }
    if (packet.protocol === 'UDP') {
      const socket = this.#udp.get(packet.dstPort);
      if (socket !== undefined) socket.receive(packet);
      else this.#core.transmit(portUnreachable(packet, this.family === 6));
      return;
    }
    const original = packet.icmp?.original;
    if (original !== undefined) this.#udp.get(original.srcPort)?.portUnreachable(original);
  }

  /** A segment for no known connection: a SYN for a listener opens one, anything else gets RST. */
  #noConnection(packet: Packet): void {
    const flags = packet.flags;
    if (flags & RST) return;
    if ((flags & (SYN | ACK)) === SYN) {
      const listener = this.#listeners.get(packet.dstPort);
      if (listener !== undefined && !listener.isClosed) {
        const socket = new VirtualTcpSocket(this.#stack, packet.dstPort, packet.src, packet.srcPort, false);
        this.#addTcp(packet.dstPort, packet.src, packet.srcPort, socket);
        socket.acceptSyn(packet);
        return;
      }
    }
    // Linux: RST with seq = the segment's ACK; without ACK, RST+ACK acknowledging the segment.
    const reply =
      flags & ACK
        ? tcpPacket(this.address, packet.dstPort, packet.src, packet.srcPort, RST, packet.ack, 0, 0)
        : tcpPacket(this.address, packet.dstPort, packet.src, packet.srcPort, RST | ACK, 0, packet.seq + packet.payload.byteLength + (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0), 0);
    this.#core.transmit(reply);
  }

  #accept(localPort: number, socket: VirtualTcpSocket): boolean {
    const listener = this.#listeners.get(localPort);
    if (listener === undefined || listener.isClosed) return false;
    listener.open.add(socket);
    socket.onClose = () => {
      listener.open.delete(socket);
      if (listener.open.size === 0 && listener.whenIdle !== undefined) {
        const resolve = listener.whenIdle;
        listener.whenIdle = undefined;
        resolve();
      }
    };
    this.#core.post(() => listener.onConnection(socket));
    return true;
  }

  #addTcp(localPort: number, remoteAddress: string, remotePort: number, socket: VirtualTcpSocket): void {
    let byPorts = this.#tcp.get(remoteAddress);
    if (byPorts === undefined) {
      byPorts = new Map();
      this.#tcp.set(remoteAddress, byPorts);
    }
    byPorts.set(localPort * 65536 + remotePort, socket);
    this.#tcpCount++;
    this.#usePort(localPort);
  }

  #releaseTcp(localPort: number, remoteAddress: string, remotePort: number): void {
    const byPorts = this.#tcp.get(remoteAddress);
    if (byPorts === undefined || !byPorts.delete(localPort * 65536 + remotePort)) return;
    this.#tcpCount--;
    if (byPorts.size === 0) this.#tcp.delete(remoteAddress);
    const uses = (this.#tcpPorts.get(localPort) ?? 1) - 1;
    if (uses > 0) this.#tcpPorts.set(localPort, uses);
    else this.#tcpPorts.delete(localPort);
  }

  #usePort(port: number): void {
    this.#tcpPorts.set(port, (this.#tcpPorts.get(port) ?? 0) + 1);
  }

  /** The next free ephemeral TCP port, or -1 when all are taken. */
  #ephemeralTcpPort(): number {
    for (let tries = FIRST_EPHEMERAL_PORT; tries <= LAST_PORT; tries++) {
      const port = this.#nextTcpPort;
      this.#nextTcpPort = port === LAST_PORT ? FIRST_EPHEMERAL_PORT : port + 1;
      if (!this.#tcpPorts.has(port) && !this.#listeners.has(port)) return port;
    }
    return -1;
  }

  #bindUdp(port: number, socket: VirtualDatagramSocket): number | 'EADDRINUSE' | 'EADDRNOTAVAIL' {
    if (port !== 0) {
      if (this.#udp.has(port)) return 'EADDRINUSE';
      this.#udp.set(port, socket);
      return port;
    }
    for (let tries = FIRST_EPHEMERAL_PORT; tries <= LAST_PORT; tries++) {
      const candidate = this.#nextUdpPort;
      this.#nextUdpPort = candidate === LAST_PORT ? FIRST_EPHEMERAL_PORT : candidate + 1;
      if (!this.#udp.has(candidate)) {
        this.#udp.set(candidate, socket);
        return candidate;
      }
    }
    return 'EADDRNOTAVAIL';
  }

  #isOwn(address: string): boolean {
    if (address === this.address || isLoopbackOrWildcard(address)) return true;
    return ipFamily(address) !== undefined && canonicalAddress(address) === this.address;
  }

  #resolve(host: string): { address: string } | { code: 'ENOTFOUND' | 'EHOSTUNREACH' | 'ENETUNREACH' } {
    if (this.#isOwn(host)) return { address: this.address };
    const family = ipFamily(host);
    if (family === undefined) return { code: 'ENOTFOUND' };
    const address = canonicalAddress(host);
    const target = this.#core.host(address);
    if (target === undefined) return { code: 'EHOSTUNREACH' };
    if (target.family !== this.family) return { code: 'ENETUNREACH' };
    return { address };
  }

  #abort(): void {
    for (const socket of [...this.#tcp.values()].flatMap((byPorts) => [...byPorts.values()])) socket.abort();
    for (const socket of this.#udp.values()) socket.abort();
    this.#tcp.clear();
    this.#tcpCount = 0;
    this.#udp.clear();
    this.#listeners.clear();
  }
}
