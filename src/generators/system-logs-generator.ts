/**
 * The `system_logs` generator: configuration commits and DNS trouble, the lines a SIEM sees most
 * from an appliance's system log (shapes from field samples, AsyncOS 12–14).
 *
 * @module
 */

import type { LogLevel } from '../core/vocabulary.js';
import { ADMIN_USERS, DNS_SERVERS, REMOTE_DOMAINS } from './content-pools.js';
import type { LogGenerator } from './log-generator.js';
import {
  resolveTemplateGeneratorOptions,
  TemplateGenerator,
  WeightedTable,
  type EventActor,
  type ResolvedTemplateGeneratorOptions,
  type TemplateGeneratorOptions,
} from './template-generator.js';

/** Options of {@link createSystemLogsGenerator}. */
export interface SystemLogsGeneratorOptions extends TemplateGeneratorOptions {}

/** The default line rate of system_logs: one line every 20 s. */
export const DEFAULT_SYSTEM_LOGS_LINES_PER_SECOND = 0.05;

/**
 * Validates and defaults {@link SystemLogsGeneratorOptions}.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) naming the bad option.
 */
export function resolveSystemLogsOptions(options: SystemLogsGeneratorOptions = {}): ResolvedTemplateGeneratorOptions {
  return resolveTemplateGeneratorOptions(options, 'the system_logs generator', DEFAULT_SYSTEM_LOGS_LINES_PER_SECOND);
}

const COMMIT_COMMENTS = [
  'Updated mail flow policy',
  'Changed log subscription settings',
  'Added SMTP route for example.com',
  'Updated content filter quarantine_attachments',
  'Adjusted HAT sender group SUSPECTLIST',
  'Enabled TLS on the inbound listener',
  'Rotated DKIM signing key',
];

type Template = (generator: SystemLogsGenerator) => readonly [LogLevel, string];

const TEMPLATES = new WeightedTable<Template>([
  [30, (g) => ['Information', 'PID ' + (1000 + g.below(30_000)) + ': User ' + g.choose(ADMIN_USERS) + ' commit changes: ' + g.choose(COMMIT_COMMENTS)]],
  [
    15,
    (g) => {
      const domain = g.choose(REMOTE_DOMAINS);
      return ['Information', 'lame DNS referral: qname:' + domain + ' ns_name:ns1.' + domain + ' zone:' + domain + ' ref_zone:' + domain + " referrals:[(" + (100_000_000_000_000 + g.below(900_000_000_000_000)) + "L, 0, 'insecure', '" + domain + "')]"];
    },
  ],
  [20, (g) => ['Warning', "DNS query network error '[Errno 51] Network is unreachable' to '" + g.choose(DNS_SERVERS) + "' looking up " + g.choose(REMOTE_DOMAINS)]],
  [15, (g) => ['Warning', "Received an invalid DNS Response: '' to IP " + g.choose(DNS_SERVERS) + ' looking up ' + g.choose(REMOTE_DOMAINS)]],
  [5, () => ['Warning', 'Failed to bootstrap the DNS resolver. Unable to contact root servers.']],
]);

class SystemLogsGenerator extends TemplateGenerator {
  readonly logType = 'system_logs';

  constructor(options: ResolvedTemplateGeneratorOptions) {
    super(options, 1);
  }

  protected compose(event: EventActor, timeMs: number): void {
    const [level, text] = TEMPLATES.pick(this.random.next())(this);
    event.add(timeMs, level, text);
  }
}

/**
 * A generator of `system_logs`: configuration commits (`PID 1237: User admin commit changes: …`),
 * lame DNS referrals, and DNS errors at Warning level.
 *
 * @throws InvalidOptionError (`ESA_ERR_INVALID_OPTION`) for invalid options.
 * @example
 * ```ts
 * createSystemLogsGenerator({ seed: 1, linesPerSecond: 0.1 }).generate(startMs, startMs + 3_600_000, out);
 * ```
 */
export function createSystemLogsGenerator(options: SystemLogsGeneratorOptions = {}): LogGenerator {
  return new SystemLogsGenerator(resolveSystemLogsOptions(options));
}
