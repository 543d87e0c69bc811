import { describe, expect, it } from 'vitest';
import {
  BEGIN_LOGFILE_TEXT,
  END_LOGFILE_TEXT,
  LOGFILE_ROLLED_OVER_TEXT,
  logfileHeaderTexts,
  logfileTrailerTexts,
  resolveLogfileIdentity,
  timeOffsetText,
  versionText,
  type LogfileIdentityOptions,
} from './logfile.js';

describe('logfile header and trailer', () => {
  it('writes the seed header triple in order', () => {
    expect(logfileHeaderTexts(resolveLogfileIdentity({ utcOffsetSeconds: 7200 }))).toEqual([
      'Begin Logfile',
      'Version: 8.0.1-023 SN: A4BADB4712A9-511AA1E',
      'Time offset from UTC: 7200 seconds',
    ]);
  });

  it('writes a virtual appliance serial and a negative offset', () => {
    const identity = resolveLogfileIdentity({
      version: '14.2.0-620',
      serialNumber: '420D4FEA709365BFB3E3-0AF2EE5E700E',
      utcOffsetSeconds: -18_000,
    });
    expect(logfileHeaderTexts(identity)).toEqual([
      BEGIN_LOGFILE_TEXT,
      'Version: 14.2.0-620 SN: 420D4FEA709365BFB3E3-0AF2EE5E700E',
      'Time offset from UTC: -18000 seconds',
    ]);
    expect(versionText('9.1.0-032', 'A4BADB4712A9-FCH1930V1YD')).toBe('Version: 9.1.0-032 SN: A4BADB4712A9-FCH1930V1YD');
    expect(timeOffsetText(0)).toBe('Time offset from UTC: 0 seconds');
  });

  it('ends a rolled-over logfile with the assumed trailer order', () => {
    expect(logfileTrailerTexts()).toEqual([LOGFILE_ROLLED_OVER_TEXT, END_LOGFILE_TEXT]);
    expect(logfileTrailerTexts()).toEqual(['Logfile rolled over', 'End Logfile']);
  });

  it('defaults to the seed identity at UTC', () => {
    expect(resolveLogfileIdentity()).toEqual({ version: '8.0.1-023', serialNumber: 'A4BADB4712A9-511AA1E', utcOffsetSeconds: 0 });
  });

  it.for([
    [{ version: '8.0.1' }, 'version'],
    [{ version: '8.0-023' }, 'version'],
    [{ version: 'v8.0.1-023' }, 'version'],
    [{ version: 8 }, 'version'],
    [{ serialNumber: 'a4badb4712a9-511aa1e' }, 'serialNumber'],
    [{ serialNumber: 'A4BADB4712A9' }, 'serialNumber'],
    [{ serialNumber: 'A4BADB4712A9-511' }, 'serialNumber'],
    [{ serialNumber: '420D4FEA709365BFB3E3-0AF2EE5E700' }, 'serialNumber'],
    [{ utcOffsetSeconds: 7200.5 }, 'utcOffsetSeconds'],
    [{ utcOffsetSeconds: 90_000 }, 'utcOffsetSeconds'],
    [{ serial: 'A4BADB4712A9-511AA1E' }, 'serial'],
  ] as const)('rejects %j naming %s', ([input, option]) => {
    expect(() => resolveLogfileIdentity(input as LogfileIdentityOptions)).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option }),
    );
  });
});
