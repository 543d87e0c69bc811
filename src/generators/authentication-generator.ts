/**
 * The `authentication` generator: administrators logging on and off the appliance, and failed
 * attempts (shapes from field samples, AsyncOS 12–14). Syslog Push of this log type is reported
 * not to work in the field (see `LOG_TYPES`); the generator writes what the log holds.
 *
 * @module
 */

import type { LogLevel } from '../core/vocabulary.js';
import { ADMIN_ADDRESSES, ADMIN_USERS, randomAlnum, REMOTE_ADDRESSES } from './content-pools.js';
import type { LogGenerator } from './log-generator.js';
import {
  resolveTemplateGeneratorOptions,
  TemplateGenerator,
  WeightedTable,
  type EventActor,
  type ResolvedTemplateGeneratorOptions,
  type TemplateGeneratorOptions,
} from './template-generator.js';

/** Options of {@link createAuthenticationGenerator}. */
export interface AuthenticationGeneratorOptions extends TemplateGeneratorOptions {}

/** The default line rate of authentication logs: one line every 20 s. */
export const DEFAULT_AUTHENTICATION_LINES_PER_SECOND = 0.05;

/**
 * Validates and defaults {@link AuthenticationGeneratorOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the bad option.
 */
export function resolveAuthenticationOptions(options: AuthenticationGeneratorOptions = {}): ResolvedTemplateGeneratorOptions {
  return resolveTemplateGeneratorOptions(options, 'the authentication generator', DEFAULT_AUTHENTICATION_LINES_PER_SECOND);
}

/** Names tried by password guessers (failed attempts from outside). */
const GUESSED_USERS = ['root', 'administrator', 'test', 'guest', 'support'];

type Template = (generator: TemplateGenerator) => string;

const TEMPLATES = new WeightedTable<Template>([
  [40, (g) => 'The user ' + g.choose(ADMIN_USERS) + ' successfully logged on from ' + g.choose(ADMIN_ADDRESSES) + ' using an HTTPS connection.'],
  [20, (g) => 'User ' + g.choose(ADMIN_USERS) + ' from ' + g.choose(ADMIN_ADDRESSES) + ' was authenticated successfully.'],
  [8, (g) => 'An authentication attempt by the user ' + g.choose(ADMIN_USERS) + ' from ' + g.choose(ADMIN_ADDRESSES) + ' failed'],
  [5, (g) => 'An authentication attempt by the user ' + g.choose(GUESSED_USERS) + ' from ' + g.choose(REMOTE_ADDRESSES) + ' failed'],
  [7, (g) => 'User ' + g.choose(GUESSED_USERS) + ' from ' + g.choose(REMOTE_ADDRESSES) + ' failed authentication.'],
  [20, (g) => 'logout:' + g.choose(ADMIN_ADDRESSES) + ' user:' + g.choose(ADMIN_USERS) + ' session:' + randomAlnum(() => g.draw(), 20)],
]);

const INFO: LogLevel = 'Information';

class AuthenticationGenerator extends TemplateGenerator {
  readonly logType = 'authentication';

  constructor(options: ResolvedTemplateGeneratorOptions) {
    super(options, 1);
  }

  protected compose(event: EventActor, timeMs: number): void {
    event.add(timeMs, INFO, TEMPLATES.pick(this.random.next())(this));
  }
}

/**
 * A generator of `authentication` logs: successful GUI logons, authentications, logouts and
 * failed attempts (all at Information, as the appliance writes them).
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for invalid options.
 * @example
 * ```ts
 * createAuthenticationGenerator({ seed: 1, linesPerSecond: 1 }).generate(startMs, startMs + 60_000, out);
 * ```
 */
export function createAuthenticationGenerator(options: AuthenticationGeneratorOptions = {}): LogGenerator {
  return new AuthenticationGenerator(resolveAuthenticationOptions(options));
}
