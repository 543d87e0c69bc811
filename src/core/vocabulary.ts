/**
 * The ESA vocabulary as data: log levels, syslog facilities, log types and what each allows.
 * Sources and assumptions are in docs/esa-model.md.
 *
 * @module
 */

/** The five ESA log levels, most severe first (as `logconfig` lists them). */
export const LOG_LEVELS = ['Critical', 'Warning', 'Information', 'Debug', 'Trace'] as const;

/** An ESA log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The word each level writes on the wire and in log files (`Info:` for Information). */
export const LEVEL_WORDS: Readonly<Record<LogLevel, string>> = Object.freeze({
  Critical: 'Critical',
  Warning: 'Warning',
  Information: 'Info',
  Debug: 'Debug',
  Trace: 'Trace',
});

/** The level for a wire word (`Info` → `Information`). */
export const LEVEL_BY_WORD: Readonly<Record<string, LogLevel>> = Object.freeze({
  Critical: 'Critical',
  Warning: 'Warning',
  Info: 'Information',
  Debug: 'Debug',
  Trace: 'Trace',
});

/**
 * Syslog severity (RFC 5424 numbers) per ESA level. Critical → 2 (crit) is **assumed**: AsyncOS
 * calls its Critical level "analogous to" syslog Alert (1); override it with
 * `SubscriptionOptions.severityByLevel`.
 */
export const DEFAULT_SEVERITY_BY_LEVEL: Readonly<Record<LogLevel, number>> = Object.freeze({
  Critical: 2,
  Warning: 4,
  Information: 6,
  Debug: 7,
  Trace: 7,
});

/** Whether a line at `level` passes a subscription set to `threshold` (at or above it). */
export function levelPasses(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(threshold);
}

/** The 17 facilities ESA offers for Syslog Push, in the order the appliance lists them. */
export const FACILITIES = [
  'auth',
  'authpriv',
  'console',
  'daemon',
  'ftp',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
  'mail',
  'ntp',
  'security',
  'user',
] as const;

/** An ESA syslog facility. */
export type Facility = (typeof FACILITIES)[number];

/** Syslog facility codes (RFC 5424 / BSD) of the ESA facilities. */
export const FACILITY_CODES: Readonly<Record<Facility, number>> = Object.freeze({
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  security: 13,
  console: 14,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
});

/**
 * Names of all 24 syslog facility codes, for parsing lines from any sender (0 kern … 23 local7).
 */
export const SYSLOG_FACILITY_NAMES: readonly string[] = Object.freeze([
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4',
  'local5', 'local6', 'local7',
]);

/** How a log type's lines are shaped. */
export type LineFormat =
  /** `<Level>: <text>` after the tag, as text logs are pushed. */
  | 'text'
  /** `CEF:0|…` after the tag, with no level word (consolidated event logs). */
  | 'cef';

/** One ESA log type: its internal name, what the GUI calls it, and what it supports. */
export interface LogTypeInfo {
  /** The internal name (`mail_logs`), also the usual subscription name. */
  readonly name: string;
  /** The label in the 12.x log-type menu. */
  readonly label: string;
  /** Whether Syslog Push is offered for this type. */
  readonly hasSyslogPush: boolean;
  /**
   * Whether Syslog Push is known to misbehave for this type in the field (reported for
   * authentication and bounce logs). The simulator still pushes them; it notes the caveat.
   */
  readonly syslogPushCaveat?: string;
  /** Line format after the tag. */
  readonly format: LineFormat;
  /** The level a new subscription of this type defaults to. */
  readonly defaultLevel: LogLevel;
}

const fieldCaveat = 'Syslog Push is reported as not working for this log type in the field';

function logType(
  name: string,
  label: string,
  extra: Partial<Pick<LogTypeInfo, 'hasSyslogPush' | 'syslogPushCaveat' | 'format' | 'defaultLevel'>> = {},
): LogTypeInfo {
  return Object.freeze({
    name,
    label,
    hasSyslogPush: extra.hasSyslogPush ?? true,
    format: extra.format ?? 'text',
    defaultLevel: extra.defaultLevel ?? 'Information',
    ...(extra.syslogPushCaveat === undefined ? {} : { syslogPushCaveat: extra.syslogPushCaveat }),
  });
}

/**
 * The ESA log types (AsyncOS 12.x menu and newer), keyed by internal name. The per-type
 * capabilities are data so that field knowledge can be corrected in one place.
 */
export const LOG_TYPES: Readonly<Record<string, LogTypeInfo>> = Object.freeze(
  Object.fromEntries(
    [
      logType('mail_logs', 'Text Mail Logs'),
      logType('qmail_logs', 'qmail Format Mail Logs'),
      logType('delivery_logs', 'Delivery Logs'),
      logType('bounces', 'Bounce Logs', { syslogPushCaveat: fieldCaveat }),
      logType('status', 'Status Logs'),
      logType('domain_debug', 'Domain Debug Logs'),
      logType('injection_debug', 'Injection Debug Logs'),
      logType('smtp_conversation', 'SMTP Conversation Logs'),
      logType('system_logs', 'System Logs'),
      logType('cli_logs', 'CLI Audit Logs'),
      logType('ftpd_logs', 'FTP Server Logs'),
      logType('gui_logs', 'HTTP Logs'),
      logType('ntp_logs', 'NTP logs'),
      logType('ldap_debug', 'LDAP Debug Logs'),
      logType('antispam', 'Anti-Spam Logs'),
      logType('antispam_archive', 'Anti-Spam Archive'),
      logType('antivirus', 'Anti-Virus Logs'),
      logType('antivirus_archive', 'Anti-Virus Archive'),
      logType('scanning', 'Scanning Logs'),
      logType('encryption', 'Encryption Logs'),
      logType('euq_logs', 'Spam Quarantine Logs'),
      logType('euqgui_logs', 'Spam Quarantine GUI Logs'),
      logType('reportd_logs', 'Reporting Logs'),
      logType('reportqueryd_logs', 'Reporting Query Logs'),
      logType('updater_logs', 'Updater Logs'),
      logType('snmp_logs', 'SNMP Logs'),
      logType('trackerd_logs', 'Tracking Logs'),
      logType('sl_bl_logs', 'Safelist/Blocklist Logs'),
      logType('authentication', 'Authentication Logs', { syslogPushCaveat: fieldCaveat }),
      logType('config_history', 'Configuration History Logs'),
      logType('rep_engine', 'Reputation Engine Logs'),
      logType('amp', 'AMP Engine Logs'),
      logType('amp_archive', 'AMP Archive'),
      logType('consolidated_event', 'Consolidated Event Logs', { format: 'cef' }),
      logType('content_scanner', 'Content Scanner Logs'),
      logType('error_logs', 'IronPort Text Mail Logs (errors)', { defaultLevel: 'Critical' }),
    ].map((info) => [info.name, info]),
  ),
);

/** The internal names of all log types. */
export const LOG_TYPE_NAMES: readonly string[] = Object.freeze(Object.keys(LOG_TYPES));

/** The log type info for `name`, or `undefined`. */
export function logTypeInfo(name: string): LogTypeInfo | undefined {
  return Object.hasOwn(LOG_TYPES, name) ? LOG_TYPES[name] : undefined;
}
