/**
 * A scripted user Transport for appliance unit tests: each send succeeds or fails as the script
 * says, computing LF frame offsets like a TCP transport, and records what was "on the wire".
 */
import { EventEmitter } from 'eventemitter3';
import type { Clock } from '../../src/clock/clock.js';
import { NetworkError, type NetworkErrorCode } from '../../src/core/errors.js';
import { encodeFrames } from '../../src/core/framing.js';
import type {
  ConnectionInfo,
  SendOptions,
  SendReceipt,
  Transport,
  TransportEvents,
  TransportProtocol,
} from '../../src/transports/transport.js';

/** What the next send does: succeed, or fail with a code (optionally after the bytes were written). */
export type Step = 'ok' | { fail: NetworkErrorCode; afterWrite?: boolean; closeConnection?: boolean };

export interface SentBatch {
  readonly at: number;
  readonly connectionId: number;
  readonly messages: readonly string[];
  readonly ok: boolean;
}

export class ScriptedTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly target = '127.0.0.1:514';
  readonly batches: SentBatch[] = [];
  readonly #clock: Clock;
  readonly #script: Step[];
  #connection: ConnectionInfo | undefined;
  #bytes = 0;
  #nextId = 1;
  #closed = false;
  closeCalls = 0;

  constructor(
    clock: Clock,
    script: Step[] = [],
    readonly protocol: TransportProtocol = 'tcp',
  ) {
    super();
    this.#clock = clock;
    this.#script = script;
  }

  get connection(): ConnectionInfo | undefined {
    return this.#connection;
  }

  /** Adds steps to the script (the default step is 'ok'). */
  then(...steps: Step[]): this {
    this.#script.push(...steps);
    return this;
  }

  /** The receiver resets the idle connection. */
  resetIdle(): void {
    const connection = this.#connection;
    if (!connection) throw new Error('no connection');
    this.#connection = undefined;
    const error = new NetworkError('ESA_ERR_CONNECTION_RESET', 'reset while idle', { connectionId: connection.id });
    this.emit('connection:reset', { at: this.#clock.now(), connection, error, isIdle: true });
  }

  async send(messages: readonly string[], options: SendOptions = {}): Promise<SendReceipt> {
    if (this.#closed) throw new NetworkError('ESA_ERR_NETWORK', 'closed');
    await Promise.resolve();
    const step = this.#script.shift() ?? 'ok';
    const at = this.#clock.now();
    if (typeof step === 'object' && !step.afterWrite && (step.fail === 'ESA_ERR_CONNECTION_REFUSED' || step.fail === 'ESA_ERR_CONNECT_TIMEOUT')) {
      this.batches.push({ at, connectionId: 0, messages, ok: false });
      throw new NetworkError(step.fail, `scripted ${step.fail}`);
    }
    let isNew = false;
    if (!this.#connection) {
      const id = this.#nextId++;
      this.#connection = Object.freeze({
        id,
        protocol: this.protocol,
        localAddress: '127.0.0.1',
        localPort: 40000 + id,
        remoteAddress: '127.0.0.1',
        remotePort: 514,
        key: `127.0.0.1:${40000 + id}`,
        openedAt: at,
      });
      this.#bytes = 0;
      isNew = true;
      this.emit('connection:opened', { at, connection: this.#connection });
    }
    const connection = this.#connection;
    const prefix = isNew && options.prefix ? options.prefix(connection) : [];
    const all = [...prefix, ...messages];
    const { bytes, frameEnds } = encodeFrames(all, 'lf');
    const start = this.#bytes;
    const receipt: SendReceipt = {
      connection,
      isNewConnection: isNew,
      prefixCount: prefix.length,
      startOffset: start,
      frameEnds: Array.from(frameEnds, (end) => start + end),
      longLineActions: undefined,
      bytesWritten: bytes.length,
      writtenAt: at,
    };
    if (step === 'ok') {
      this.#bytes += bytes.length;
      this.batches.push({ at, connectionId: connection.id, messages: all, ok: true });
      return receipt;
    }
    this.batches.push({ at, connectionId: connection.id, messages: all, ok: false });
    this.#connection = undefined;
    const error = Object.assign(new NetworkError(step.fail, `scripted ${step.fail}`, { connectionId: connection.id }), {
      attempted: receipt,
    });
    this.emit('connection:reset', { at, connection, error, isIdle: false });
    throw error;
  }

  async close(): Promise<void> {
    this.closeCalls++;
    this.#closed = true;
  }

  destroy(): void {
    this.#closed = true;
  }
}
