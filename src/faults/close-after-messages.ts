/**
 * `close-after-messages` N: accept, read N syslog messages, then close the connection
 * gracefully (FIN), as a receiver that recycles its connections does.
 *
 * @module
 */

import { BaseFault, expectWholeNumber, type FaultDefinition, type FaultWrapper, type MessageContext, type MessageDecision } from './fault.js';
import { decideCountLimit, plural } from './reset-after-messages.js';

/** Spec of {@link CloseAfterMessagesFault}. */
export interface CloseAfterMessagesSpec extends FaultWrapper {
  readonly type: 'close-after-messages';
  /**
   * Messages the receiver reads before it closes the connection (≥ 0; 0 closes at the first
   * message without keeping it). Counted from the first message at which the fault is active.
   */
  readonly messages: number;
}

/** Reads `messages` messages of each connection, then closes it (FIN). */
export class CloseAfterMessagesFault extends BaseFault<CloseAfterMessagesSpec> {
  constructor(spec: CloseAfterMessagesSpec) {
    super(closeAfterMessagesDefinition, spec, true);
  }

  protected describe(): string {
    return `accept, read ${this.spec.messages} syslog ${plural(this.spec.messages, 'message')}, then close the connection (FIN)`;
  }

  decideMessage({ countedMessages }: MessageContext): MessageDecision | undefined {
    return decideCountLimit(this.spec.messages, countedMessages, 'close');
  }
}

/** The definition of `close-after-messages`. */
export const closeAfterMessagesDefinition: FaultDefinition<CloseAfterMessagesSpec> = {
  type: 'close-after-messages',
  scope: 'connection',
  fields: ['messages'],
  cliForm: 'close-after-messages=N',
  cliValueHelp: 'N a whole number of messages ≥ 0 (e.g. close-after-messages=10)',
  resolveFields: (input, path) => ({ messages: expectWholeNumber(`${path}.messages`, input.messages, 0, 'messages') }),
  parseValue: (value) => ({ messages: value }),
  formatValue: (spec) => String(spec.messages),
  create: (spec) => new CloseAfterMessagesFault(spec),
};

/** Builds a {@link CloseAfterMessagesFault} from a resolved spec. */
export function createCloseAfterMessagesFault(spec: CloseAfterMessagesSpec): CloseAfterMessagesFault {
  return new CloseAfterMessagesFault(spec);
}
