import { describe, expect, it } from 'vitest';
import { endedByPeer, systemError } from './socket-errors.js';

describe('virtual socket errors', () => {
  it("have Node's shape: code, errno, syscall, address, port and message", () => {
    const error = systemError('ECONNREFUSED', 'connect', '10.44.167.30', 514);
    expect(error).toBeInstanceOf(Error);
    expect({ ...error, message: error.message }).toEqual({
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
      address: '10.44.167.30',
      port: 514,
      message: 'connect ECONNREFUSED 10.44.167.30:514',
    });
  });

  it('carry no stack frames (an event on the network, not a place in the code), and leave the limit as it was', () => {
    const limit = Error.stackTraceLimit;
    expect(systemError('ECONNRESET', 'read').stack).toBe('Error: read ECONNRESET');
    expect(endedByPeer().stack).toBe('Error: This socket has been ended by the other party');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('here').stack).toMatch(/\n\s+at /);
  });
});
