import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import {
  parseLogLevel,
  resolveSeverityByLevel,
  resolveSubscriptionOptions,
  type SubscriptionOptions,
} from './subscription-options.js';
import { DEFAULT_SEVERITY_BY_LEVEL, LOG_TYPES, type LogTypeInfo } from './vocabulary.js';

const base = { name: 'Mail_Log', host: '127.0.0.1' } as const;

describe('resolveSubscriptionOptions', () => {
  it('fills in the ESA defaults', () => {
    expect(resolveSubscriptionOptions(base)).toEqual({
      name: 'Mail_Log',
      type: 'mail_logs',
      typeInfo: LOG_TYPES.mail_logs,
      format: 'text',
      level: 'Information',
      host: '127.0.0.1',
      port: 514,
      protocol: 'udp',
      facility: 'mail',
      facilityCode: 2,
      timestampPadding: 'zero',
      hostname: undefined,
      framing: 'lf',
      longLines: { rule: 'send', maxBytes: 65536 },
      severityByLevel: DEFAULT_SEVERITY_BY_LEVEL,
      syslogPushCaveat: undefined,
    });
  });

  it('keeps every valid value given', () => {
    const resolved = resolveSubscriptionOptions({
      name: 'consolidated-1',
      type: 'consolidated_event',
      level: 'debug',
      host: 'siem.example.com',
      port: '6514',
      protocol: 'tcp',
      facility: 'local7',
      timestampPadding: 'space',
      hostname: 'esa1.example.com',
      framing: 'octet-counting',
      longLines: 'split:2k',
      severityByLevel: { Critical: 1 },
    });
    expect(resolved).toMatchObject({
      name: 'consolidated-1',
      type: 'consolidated_event',
      format: 'cef',
      level: 'Debug',
      port: 6514,
      protocol: 'tcp',
      facility: 'local7',
      facilityCode: 23,
      timestampPadding: 'space',
      hostname: 'esa1.example.com',
      framing: 'octet-counting',
      longLines: { rule: 'split', maxBytes: 2048 },
      severityByLevel: { ...DEFAULT_SEVERITY_BY_LEVEL, Critical: 1 },
    });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it('takes the default level from the type', () => {
    expect(resolveSubscriptionOptions({ ...base, type: 'error_logs' }).level).toBe('Critical');
  });

  it.for([
    ['info', 'Information'],
    ['Info', 'Information'],
    ['INFORMATION', 'Information'],
    ['warning', 'Warning'],
    ['critical', 'Critical'],
    ['Trace', 'Trace'],
  ] as const)('accepts level %j as %s', ([level, expected]) => {
    expect(resolveSubscriptionOptions({ ...base, level }).level).toBe(expected);
  });

  it('accepts a type with a field caveat and keeps the caveat', () => {
    const resolved = resolveSubscriptionOptions({ ...base, type: 'authentication' });
    expect(resolved.syslogPushCaveat).toMatch(/not working/);
  });

  it('accepts keys that another resolver handles', () => {
    const input = { ...base, pushIntervalMs: 1000 } as SubscriptionOptions;
    expect(() => resolveSubscriptionOptions(input)).toThrow(expect.objectContaining({ option: 'pushIntervalMs' }));
    expect(resolveSubscriptionOptions(input, { otherKeys: ['pushIntervalMs'] }).name).toBe('Mail_Log');
  });

  it('rejects a type without Syslog Push', () => {
    const ftpOnly: LogTypeInfo = { name: 'ftp_only', label: 'FTP only', hasSyslogPush: false, format: 'text', defaultLevel: 'Information' };
    const logTypes = { ...LOG_TYPES, ftp_only: ftpOnly };
    expect(() => resolveSubscriptionOptions({ ...base, type: 'ftp_only' }, { logTypes })).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'type', message: expect.stringMatching(/offers Syslog Push/) }),
    );
  });

  it('names the option, the value and what is allowed', () => {
    expect(() => resolveSubscriptionOptions({ ...base, facility: 'kern' as never })).toThrow(
      'facility must be one of auth, authpriv, console, daemon, ftp, local0, local1, local2, local3, local4, local5, local6, local7, mail, ntp, security, user; got "kern"',
    );
  });

  const bad: readonly [string, unknown, string][] = [
    ['missing name', { host: 'h' }, 'name'],
    ['empty name', { ...base, name: '' }, 'name'],
    ['name with a space', { ...base, name: 'Mail Log' }, 'name'],
    ['name with a colon', { ...base, name: 'Mail:Log' }, 'name'],
    ['name starting with a digit', { ...base, name: '1mail' }, 'name'],
    ['name of 65 characters', { ...base, name: 'a'.repeat(65) }, 'name'],
    ['numeric name', { ...base, name: 42 }, 'name'],
    ['unknown type', { ...base, type: 'kernel_logs' }, 'type'],
    ['type in another case', { ...base, type: 'MAIL_LOGS' }, 'type'],
    ['inherited type key', { ...base, type: 'toString' }, 'type'],
    ['unknown level', { ...base, level: 'Verbose' }, 'level'],
    ['numeric level', { ...base, level: 6 }, 'level'],
    ['missing host', { name: 'Mail_Log' }, 'host'],
    ['empty host', { ...base, host: '' }, 'host'],
    ['host with a space', { ...base, host: 'siem example' }, 'host'],
    ['host with a newline', { ...base, host: 'siem\n' }, 'host'],
    ['port 0', { ...base, port: 0 }, 'port'],
    ['port 65536', { ...base, port: 65536 }, 'port'],
    ['port 1.5', { ...base, port: 1.5 }, 'port'],
    ['port "abc"', { ...base, port: 'abc' }, 'port'],
    ['port -1', { ...base, port: -1 }, 'port'],
    ['port NaN', { ...base, port: Number.NaN }, 'port'],
    ['protocol sctp', { ...base, protocol: 'sctp' }, 'protocol'],
    ['protocol TCP', { ...base, protocol: 'TCP' }, 'protocol'],
    ['facility kern', { ...base, facility: 'kern' }, 'facility'],
    ['facility local8', { ...base, facility: 'local8' }, 'facility'],
    ['facility as a code', { ...base, facility: 2 }, 'facility'],
    ['timestampPadding none', { ...base, timestampPadding: 'none' }, 'timestampPadding'],
    ['empty hostname', { ...base, hostname: '' }, 'hostname'],
    ['hostname with a space', { ...base, hostname: 'esa 1' }, 'hostname'],
    ['hostname with a colon', { ...base, hostname: 'esa:' }, 'hostname'],
    ['framing crlf', { ...base, framing: 'crlf' }, 'framing'],
    ['longLines rule', { ...base, longLines: { rule: 'wrap' } }, 'longLines.rule'],
    ['longLines maxBytes', { ...base, longLines: { rule: 'split', maxBytes: 0 } }, 'longLines.maxBytes'],
    ['longLines string', { ...base, longLines: 'wrap:10' }, 'longLines'],
    ['severity 8', { ...base, severityByLevel: { Critical: 8 } }, 'severityByLevel.Critical'],
    ['severity of an unknown level', { ...base, severityByLevel: { Info: 6 } }, 'severityByLevel.Info'],
    ['severity not an object', { ...base, severityByLevel: 'Critical=1' }, 'severityByLevel'],
    ['unknown key', { ...base, utcOffsetSeconds: 7200 }, 'utcOffsetSeconds'],
    ['misspelt key', { ...base, facilty: 'mail' }, 'facilty'],
    ['not an object', 'Mail_Log', 'subscription'],
    ['null', null, 'subscription'],
  ];

  it.for(bad)('rejects %s', ([, input, option]) => {
    let error: unknown;
    try {
      resolveSubscriptionOptions(input as SubscriptionOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toEqual(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }));
    expect((error as Error).message).toMatch(new RegExp(`^${option.replace('.', '\\.')} must be .+; got `));
  });
});

describe('parseLogLevel', () => {
  it.for([
    ['Critical', 'Critical'],
    ['  debug ', 'Debug'],
    ['INFO', 'Information'],
    ['Informational', undefined],
    [undefined, undefined],
  ] as const)('%j → %s', ([input, level]) => {
    expect(parseLogLevel(input)).toBe(level);
  });
});

describe('resolveSeverityByLevel', () => {
  it('returns the defaults for undefined and merges overrides', () => {
    expect(resolveSeverityByLevel(undefined)).toBe(DEFAULT_SEVERITY_BY_LEVEL);
    expect(resolveSeverityByLevel({ Trace: 7, Warning: 3 })).toEqual({ ...DEFAULT_SEVERITY_BY_LEVEL, Warning: 3 });
  });
});
