/**
 * The command line as a whole: version, help, unknown commands and flags, and the one-line usage
 * errors with exit code 2.
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/help.js';
import { VERSION } from '../../src/core/version.js';
import { cli } from './cli-harness.js';

describe('esa-logsim', () => {
  it.for([['--version'], ['-V']])('prints the version with %s', async (argv) => {
    const { code, stdout, stderr } = await cli(argv);
    expect(code).toBe(0);
    expect(stdout).toBe(`${VERSION}\n`);
    expect(stderr).toBe('');
  });

  it.for([['--help'], ['-h'], ['help']])('prints the overview with %s, listing every command', async (argv) => {
    const { code, stdout } = await cli(argv);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toContain(`  ${command}`);
    expect(stdout).toContain('Exit codes: 0 done');
  });

  it('prints the overview on stderr and exits 2 without a command', async () => {
    const { code, stdout, stderr } = await cli([]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: esa-logsim <command>');
  });

  it.for(COMMANDS.filter((command) => command !== 'help'))('prints the help of %s with --help, -h and help CMD', async (command) => {
    const viaFlag = await cli([command, '--help']);
    const viaShort = await cli([command, '-h']);
    const viaHelp = await cli(['help', command]);
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.stdout).toContain(`Usage: esa-logsim ${command}`);
    expect(viaShort.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it('shows a command help even when required flags are missing', async () => {
    const { code, stdout } = await cli(['push', '--help', '--port']);
    expect(code).toBe(0);
    expect(stdout).toContain('--rate N|max');
  });

  it.for([
    [['serv'], 'esa-logsim: unknown command "serv" (did you mean serve? commands: demo, push, serve, run, compare, scenarios, help)'],
    [['bogus'], 'esa-logsim: unknown command "bogus" (commands: demo, push, serve, run, compare, scenarios, help)'],
    [['help', 'pusj'], 'esa-logsim help: unknown command "pusj" (did you mean push? commands: demo, push, serve, run, compare, scenarios, help)'],
    [['help', 'push', 'serve'], 'esa-logsim help: takes one command name; got an extra "serve"'],
    [['--json', 'demo'], 'esa-logsim: unknown flag --json before the command (flags go after it, e.g. esa-logsim demo --json; run esa-logsim --help)'],
    [['push', '--protocl', 'tcp'], 'esa-logsim push: unknown flag --protocl (did you mean --protocol? run esa-logsim push --help for the flags)'],
    [['serve', '--fualt', 'refuse'], 'esa-logsim serve: unknown flag --fualt (did you mean --fault? run esa-logsim serve --help for the flags)'],
    [['serve', '--zzz'], 'esa-logsim serve: unknown flag --zzz (run esa-logsim serve --help for the flags)'],
    [['serve', '-x'], 'esa-logsim serve: unknown flag -x (run esa-logsim serve --help for the flags)'],
    [['serve', '--protocol'], 'esa-logsim serve: --protocol needs a value (see esa-logsim serve --help)'],
    [['serve', '--protocol', '--json'], 'esa-logsim serve: --protocol needs a value (see esa-logsim serve --help)'],
    [['serve', '--json=yes'], 'esa-logsim serve: --json takes no value; got "yes"'],
    [['serve', '--port', '1', '--port', '2'], 'esa-logsim serve: --port may be given once; got "1" and "2"'],
    [['serve', 'extra'], 'esa-logsim serve: takes no arguments; got "extra" (run esa-logsim serve --help)'],
    [['serve'], 'esa-logsim serve: --protocol is required (tcp or udp)'],
  ] as const)('%j is a usage error (exit 2, one line)', async ([argv, message]) => {
    const { code, stdout, stderr } = await cli(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`${message}\n`);
  });
});
