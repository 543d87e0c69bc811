/**
 * The one-at-a-time queue behind `TcpTransport.send` and `UdpTransport.send`: a send that comes
 * while another is in progress waits its turn; a send aborted while it waits leaves the queue at
 * once. Internal.
 *
 * @module
 */

import { abortError } from '../clock/clock.js';

interface Entry {
  readonly run: () => Promise<void>;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Runs tasks one after the other. `run` must never reject (it settles its own caller). */
export class SendQueue {
  readonly #entries: Entry[] = [];
  #isRunning = false;
  #idleWaiters: (() => void)[] = [];

  /** Whether a task is running or waiting. */
  get isBusy(): boolean {
    return this.#isRunning || this.#entries.length > 0;
  }

  /**
   * Queues `run`. When `signal` aborts before the task's turn, the entry leaves the queue and
   * `reject` gets `ESA_ERR_ABORTED`; once the task runs, `run` watches the signal itself.
   */
  enqueue(run: () => Promise<void>, reject: (error: unknown) => void, signal?: AbortSignal): void {
    const entry: Entry = { run, reject, signal, onAbort: undefined };
    if (signal) {
      entry.onAbort = () => {
        const index = this.#entries.indexOf(entry);
        if (index < 0) return;
        this.#entries.splice(index, 1);
        reject(abortError(signal));
        this.#notifyIfIdle();
      };
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }
    this.#entries.push(entry);
    void this.#drain();
  }

  /** Rejects every waiting task (not the running one) with `error`. */
  rejectWaiting(error: unknown): void {
    const entries = this.#entries.splice(0);
    for (const entry of entries) {
      if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
      entry.reject(error);
    }
    this.#notifyIfIdle();
  }

  /** Resolves once no task is running or waiting. */
  whenIdle(): Promise<void> {
    if (!this.isBusy) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #drain(): Promise<void> {
    if (this.#isRunning) return;
    this.#isRunning = true;
    for (let entry = this.#entries.shift(); entry !== undefined; entry = this.#entries.shift()) {
      if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
      await entry.run();
    }
    this.#isRunning = false;
    this.#notifyIfIdle();
  }

  #notifyIfIdle(): void {
    if (this.isBusy) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
