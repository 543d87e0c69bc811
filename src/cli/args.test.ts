import { describe, expect, it } from 'vitest';
import { closest, parseArgv, type FlagSpec } from './args.js';
import { asFlags, parseUtcOffset } from './flags.js';
import { InvalidOptionError } from '../core/errors.js';

const FLAGS: FlagSpec[] = [
  { name: 'port', kind: 'string' },
  { name: 'fault', kind: 'string', repeatable: true },
  { name: 'json', kind: 'boolean' },
  { name: 'help', kind: 'boolean', short: 'h' },
];

describe('parseArgv', () => {
  it('reads --flag value, --flag=value, repeatable and boolean flags, and positionals', () => {
    const args = parseArgv('x', ['ips-reset', '--port=5514', '--fault', 'refuse', '--json', '--fault=drop=0.1', '-h'], FLAGS, 1);
    expect(args.strings.get('port')).toBe('5514');
    expect(args.lists.get('fault')).toEqual(['refuse', 'drop=0.1']);
    expect([...args.booleans]).toEqual(['json', 'help']);
    expect(args.positionals).toEqual(['ips-reset']);
  });

  it('takes a negative number as a value and everything after -- as positionals', () => {
    const args = parseArgv('x', ['--port', '-1', '--', '--json'], FLAGS, 1);
    expect(args.strings.get('port')).toBe('-1');
    expect(args.positionals).toEqual(['--json']);
    expect(args.booleans.size).toBe(0);
  });

  it.for([
    [['--prot', '1'], 'esa-logsim x: unknown flag --prot (did you mean --port? run esa-logsim x --help for the flags)'],
    [['--port'], 'esa-logsim x: --port needs a value (see esa-logsim x --help)'],
    [['--json=1'], 'esa-logsim x: --json takes no value; got "1"'],
    [['-j'], 'esa-logsim x: unknown flag -j (run esa-logsim x --help for the flags)'],
    [['--h'], 'esa-logsim x: unknown flag --h (run esa-logsim x --help for the flags)'],
    [['a'], 'esa-logsim x: takes no arguments; got "a" (run esa-logsim x --help)'],
  ] as const)('rejects %j with ESA_ERR_USAGE', ([argv, message]) => {
    expect(() => parseArgv('x', argv, FLAGS, 0)).toThrow(expect.objectContaining({ code: 'ESA_ERR_USAGE', message }));
  });
});

describe('closest', () => {
  it.for([
    ['serv', 'serve'],
    ['pusj', 'push'],
    ['scenario', 'scenarios'],
    ['compre', 'compare'],
    ['xyz', undefined],
    ['d', undefined],
  ] as const)('suggests %s → %s', ([input, expected]) => {
    expect(closest(input, ['demo', 'push', 'serve', 'run', 'compare', 'scenarios', 'help'])).toBe(expected);
  });
});

describe('parseUtcOffset', () => {
  it.for([
    ['7200', 7200],
    ['-18000', -18000],
    ['+02:00', 7200],
    ['-0530', -19800],
    ['+2', 7200],
    ['0', 0],
  ] as const)('reads %s as %i seconds', ([text, seconds]) => {
    expect(parseUtcOffset(text)).toBe(seconds);
  });

  it.for(['2h', '+19:00', '64801', 'UTC+2', ''])('rejects %j naming --utc-offset', (text) => {
    expect(() => parseUtcOffset(text)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: '--utc-offset' }));
  });
});

describe('asFlags', () => {
  it('renames the option of an InvalidOptionError to its flag, keeping the message', () => {
    const error = (() => {
      try {
        asFlags({ facility: 'facility' }, () => {
          throw new InvalidOptionError('facility', 'kern', 'one of mail, user');
        });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'ESA_ERR_INVALID_OPTION', option: '--facility', message: '--facility must be one of mail, user; got "kern"' });
  });

  it('renames a rejection of an async resolver and leaves other errors alone', async () => {
    await expect(asFlags({ trace: 'trace' }, () => Promise.reject(new InvalidOptionError('trace', true, 'false')))).rejects.toMatchObject({ option: '--trace' });
    await expect(asFlags({ trace: 'trace' }, () => Promise.reject(new InvalidOptionError('pcap', 1, 'x')))).rejects.toMatchObject({ option: 'pcap' });
  });
});
