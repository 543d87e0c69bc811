/**
 * The `gui_logs` generator (HTTP logs): GUI page requests of a few administrators' sessions,
 * logins, logouts and expiries, and the odd TLS error (shapes from field samples, AsyncOS 12–14).
 *
 * @module
 */

import { InvalidOptionError } from '../core/errors.js';
import type { LogLevel } from '../core/vocabulary.js';
import { ADMIN_ADDRESSES, ADMIN_USERS, randomAlnum, REMOTE_ADDRESSES, USER_AGENTS } from './content-pools.js';
import type { LogGenerator } from './log-generator.js';
import {
  resolveTemplateGeneratorOptions,
  TemplateGenerator,
  WeightedTable,
  type EventActor,
  type ResolvedTemplateGeneratorOptions,
  type TemplateGeneratorOptions,
} from './template-generator.js';

/** Options of {@link createGuiLogsGenerator}. */
export interface GuiLogsGeneratorOptions extends TemplateGeneratorOptions {
  /**
   * The listener address of the GUI, written in `http service on <address>:80 redirecting …`.
   * @default '192.0.2.12'
   */
  interfaceAddress?: string;
}

/** The default line rate of gui_logs: one line every 2 s. */
export const DEFAULT_GUI_LOGS_LINES_PER_SECOND = 0.5;

/** {@link GuiLogsGeneratorOptions} validated and defaulted. */
export interface ResolvedGuiLogsOptions extends ResolvedTemplateGeneratorOptions {
  readonly interfaceAddress: string;
}

/**
 * Validates and defaults {@link GuiLogsGeneratorOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the bad option.
 */
export function resolveGuiLogsOptions(options: GuiLogsGeneratorOptions = {}): ResolvedGuiLogsOptions {
  const base = resolveTemplateGeneratorOptions(options, 'the gui_logs generator', DEFAULT_GUI_LOGS_LINES_PER_SECOND, ['interfaceAddress']);
  return Object.freeze({ ...base, interfaceAddress: expectAddressText('interfaceAddress', options.interfaceAddress) });
}

/** Checks an address written in texts: 1–64 characters without spaces or control characters. */
function expectAddressText(option: string, value: unknown): string {
  if (value === undefined) return '192.0.2.12';
  if (typeof value !== 'string' || !/^[^\s\u0000-\u001f\u007f]{1,64}$/.test(value)) {
    throw new InvalidOptionError(option, value, 'an address of 1-64 characters without spaces');
  }
  return value;
}

const PAGES = [
  '/monitor/reports/overview',
  '/monitor/message_tracking',
  '/monitor/system_status',
  '/mail_policies/email_security_manager/incoming_mail_policies',
  '/mail_policies/email_security_manager/outgoing_mail_policies',
  '/system_administration/log_subscriptions',
  '/network/listeners',
  '/security_services/anti_spam',
  '/css/default.css',
  '/scfw/1y-9.0.0-006/yui/yahoo-dom-event/yahoo-dom-event.js',
];

/** A GUI session: who, from where, and its id. */
interface GuiSession {
  readonly user: string;
  readonly address: string;
  readonly id: string;
  readonly userAgent: string;
}

type Template = (generator: GuiLogsGenerator, session: GuiSession) => readonly [LogLevel, string];

const TEMPLATES = new WeightedTable<Template>([
  [
    60,
    (g, s) => [
      'Information',
      'req:' + s.address + ' user:' + s.user + ' id:' + s.id + ' ' + (g.below(10) === 0 ? '304' : '200') + ' GET ' + g.choose(PAGES) + ' HTTP/1.1 ' + s.userAgent,
    ],
  ],
  [
    8,
    (g, s) => [
      'Information',
      'SourceIP:' + s.address + ' Destination:/login Username:' + s.user + ' Privilege:admin session:' + g.renewSession(s).id + ' Action: The HTTPS session has been established successfully.',
    ],
  ],
  [6, (g, s) => ['Information', 'Session ' + g.renewSession(s).id + ' user:' + s.user + ' expired']],
  // "beacuse" is the appliance's own spelling in field samples.
  [6, (g, s) => ['Information', 'Action: User ' + s.user + ' logged out from session ' + g.renewSession(s).id + ' beacuse of inactivity timeout']],
  [5, (g, s) => ['Information', 'Session ' + randomAlnum(() => g.draw(), 20) + ' from ' + s.address + ' not found Destination:/mail_policies/email_security_manager/incoming_mail_policies']],
  [5, (g) => ['Information', 'http service on ' + g.interfaceAddress + ':80 redirecting to https port 443']],
  [
    3,
    (g) => [
      'Warning',
      'SSL error with client ' + g.choose(REMOTE_ADDRESSES) + ':' + (1024 + g.below(64_000)) + " - (336151574, 'error:14094416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown')",
    ],
  ],
  [2, (g) => ['Information', 'Error in https connection from host ' + g.choose(REMOTE_ADDRESSES) + ' port ' + (1024 + g.below(64_000)) + ' - [Errno 54] Connection reset by peer']],
  [2, () => ['Information', 'PERIODIC REPORTS: PERIODIC_REPORTS.SYSTEM.STARTED']],
]);

/** How many administrators' sessions are open at a time. */
const SESSIONS = 4;

class GuiLogsGenerator extends TemplateGenerator {
  readonly logType = 'gui_logs';
  readonly interfaceAddress: string;
  readonly #sessions: GuiSession[] = [];

  constructor(options: ResolvedGuiLogsOptions) {
    super(options, 1);
    this.interfaceAddress = options.interfaceAddress;
    for (let i = 0; i < SESSIONS; i++) this.#sessions.push(this.#newSession());
  }

  #newSession(): GuiSession {
    return {
      user: this.choose(ADMIN_USERS),
      address: this.choose(ADMIN_ADDRESSES),
      id: randomAlnum(() => this.random.next(), 20),
      userAgent: this.choose(USER_AGENTS),
    };
  }

  /** Ends `session` (its line names it) and opens another in its place for later requests. */
  renewSession(session: GuiSession): GuiSession {
    const index = this.#sessions.indexOf(session);
    if (index >= 0) this.#sessions[index] = this.#newSession();
    return session;
  }

  protected compose(event: EventActor, timeMs: number): void {
    const template = TEMPLATES.pick(this.random.next());
    const session = this.#sessions[this.below(SESSIONS)] as GuiSession;
    const [level, text] = template(this, session);
    event.add(timeMs, level, text);
  }
}

/**
 * A generator of `gui_logs` (HTTP logs): `req:<ip> user:<name> id:<session> 200 GET <page> …`
 * lines from a few administrators' sessions, session starts, expiries and logouts, and TLS
 * errors at Warning level.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for invalid options.
 * @example
 * ```ts
 * createGuiLogsGenerator({ seed: 1 }).generate(startMs, startMs + 60_000, out);
 * ```
 */
export function createGuiLogsGenerator(options: GuiLogsGeneratorOptions = {}): LogGenerator {
  return new GuiLogsGenerator(resolveGuiLogsOptions(options));
}
