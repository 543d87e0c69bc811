/**
 * `reset-after-messages` N: accept, read N syslog messages, then reset the connection (RST).
 *
 * @module
 */

import {
  BaseFault,
  expectWholeNumber,
  type FaultDefinition,
  type FaultWrapper,
  type MessageContext,
  type MessageDecision,
} from './fault.js';

/** Spec of {@link ResetAfterMessagesFault}. */
export interface ResetAfterMessagesSpec extends FaultWrapper {
  readonly type: 'reset-after-messages';
  /**
   * Messages the receiver reads before it resets the connection (≥ 0; 0 resets at the first
   * message without keeping it). Counted from the first message at which the fault is active.
   */
  readonly messages: number;
}

/** Reads `messages` messages of each connection, then resets it. */
export class ResetAfterMessagesFault extends BaseFault<ResetAfterMessagesSpec> {
  constructor(spec: ResetAfterMessagesSpec) {
    super(resetAfterMessagesDefinition, spec, true);
  }

  protected describe(): string {
    return `accept, read ${this.spec.messages} syslog ${plural(this.spec.messages, 'message')}, then reset the connection (RST)`;
  }

  decideMessage({ countedMessages }: MessageContext): MessageDecision | undefined {
    return decideCountLimit(this.spec.messages, countedMessages, 'reset');
  }
}

/**
 * The shared rule of the message-count faults: messages 1…limit are delivered and the last of
 * them ends the connection; with a limit of 0 the first message is not delivered and ends it.
 */
export function decideCountLimit(limit: number, counted: number, after: 'reset' | 'close'): MessageDecision | undefined {
  if (counted >= limit) return { deliver: false, after };
  return counted + 1 === limit ? { deliver: true, after } : undefined;
}

/** `1 message`, `2 messages`. */
export function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

/** The definition of `reset-after-messages`. */
export const resetAfterMessagesDefinition: FaultDefinition<ResetAfterMessagesSpec> = {
  type: 'reset-after-messages',
  scope: 'connection',
  fields: ['messages'],
  cliForm: 'reset-after-messages=N',
  cliValueHelp: 'N a whole number of messages ≥ 0 (e.g. reset-after-messages=3)',
  resolveFields: (input, path) => ({ messages: expectWholeNumber(`${path}.messages`, input.messages, 0, 'messages') }),
  parseValue: (value) => ({ messages: value }),
  formatValue: (spec) => String(spec.messages),
  create: (spec) => new ResetAfterMessagesFault(spec),
};

/** Builds a {@link ResetAfterMessagesFault} from a resolved spec. */
export function createResetAfterMessagesFault(spec: ResetAfterMessagesSpec): ResetAfterMessagesFault {
  return new ResetAfterMessagesFault(spec);
}
