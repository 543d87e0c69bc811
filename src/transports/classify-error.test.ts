import { describe, expect, it } from 'vitest';
import { NetworkError } from '../core/errors.js';
import { classifySocketError, type SocketErrorContext } from './classify-error.js';

function socketError(code: string | undefined, message = `some ${code ?? 'error'}`): Error {
  return code === undefined ? new Error(message) : Object.assign(new Error(message), { code });
}

const peer = '127.0.0.1:5140';

describe('classifySocketError', () => {
  it.for<[string | undefined, SocketErrorContext, string]>([
    ['ECONNRESET', { phase: 'write', protocol: 'tcp', peer }, 'ESA_ERR_CONNECTION_RESET'],
    ['ECONNRESET', { phase: 'idle', protocol: 'tcp', peer }, 'ESA_ERR_CONNECTION_RESET'],
    ['ECONNREFUSED', { phase: 'connect', protocol: 'tcp', peer }, 'ESA_ERR_CONNECTION_REFUSED'],
    ['ECONNREFUSED', { phase: 'send', protocol: 'udp', peer }, 'ESA_ERR_PORT_UNREACHABLE'],
    ['EPIPE', { phase: 'write', protocol: 'tcp', peer }, 'ESA_ERR_BROKEN_PIPE'],
    ['ERR_STREAM_WRITE_AFTER_END', { phase: 'write', protocol: 'tcp', peer, isPeerClosed: true }, 'ESA_ERR_BROKEN_PIPE'],
    ['ERR_STREAM_DESTROYED', { phase: 'write', protocol: 'tcp', peer, isPeerClosed: true }, 'ESA_ERR_BROKEN_PIPE'],
    ['ERR_STREAM_DESTROYED', { phase: 'write', protocol: 'tcp', peer }, 'ESA_ERR_NETWORK'],
    ['ETIMEDOUT', { phase: 'connect', protocol: 'tcp', peer }, 'ESA_ERR_CONNECT_TIMEOUT'],
    ['ETIMEDOUT', { phase: 'write', protocol: 'tcp', peer }, 'ESA_ERR_WRITE_TIMEOUT'],
    ['ETIMEDOUT', { phase: 'idle', protocol: 'tcp', peer }, 'ESA_ERR_WRITE_TIMEOUT'],
    ['EHOSTUNREACH', { phase: 'connect', protocol: 'tcp', peer }, 'ESA_ERR_HOST_UNREACHABLE'],
    ['ENETUNREACH', { phase: 'send', protocol: 'udp', peer }, 'ESA_ERR_HOST_UNREACHABLE'],
    ['EMSGSIZE', { phase: 'send', protocol: 'udp', peer }, 'ESA_ERR_NETWORK'],
    ['EACCES', { phase: 'connect', protocol: 'tcp', peer }, 'ESA_ERR_NETWORK'],
    [undefined, { phase: 'write', protocol: 'tcp', peer }, 'ESA_ERR_NETWORK'],
  ])('maps %s in %o to %s', ([code, context, expected]) => {
    const error = socketError(code);
    const classified = classifySocketError(error, context);
    expect(classified).toBeInstanceOf(NetworkError);
    expect(classified.code).toBe(expected);
    expect(classified.cause).toBe(error);
    expect(classified.peer).toBe(peer);
    expect(classified.message).toContain(peer);
    if (code !== undefined) expect(classified.message).toContain(code);
  });

  it('names the peer, the socket code and the batch size', () => {
    const error = classifySocketError(socketError('ECONNRESET'), { phase: 'write', protocol: 'tcp', peer, bytes: 412, connectionId: 3 });
    expect(error.message).toBe('Connection to 127.0.0.1:5140 was reset by the peer (ECONNRESET) while writing 412 bytes');
    expect(error.connectionId).toBe(3);
  });

  it.for<[SocketErrorContext, string]>([
    [{ phase: 'connect', protocol: 'tcp', peer }, 'while connecting'],
    [{ phase: 'write', protocol: 'tcp', peer }, 'while writing'],
    [{ phase: 'idle', protocol: 'tcp', peer }, 'while the connection was idle'],
    [{ phase: 'send', protocol: 'udp', peer, datagrams: 1 }, 'while sending 1 datagram'],
    [{ phase: 'send', protocol: 'udp', peer, datagrams: 3 }, 'while sending 3 datagrams'],
  ])('says what was happening: %o → "%s"', ([context, words]) => {
    expect(classifySocketError(socketError('ECONNRESET'), context).message).toContain(words);
  });

  it('says a UDP refusal is an ICMP port unreachable', () => {
    const error = classifySocketError(socketError('ECONNREFUSED'), { phase: 'send', protocol: 'udp', peer: '[::1]:514', datagrams: 2 });
    expect(error.message).toBe(
      "UDP socket to [::1]:514: the peer's port is unreachable (ECONNREFUSED after an ICMP port unreachable) while sending 2 datagrams",
    );
  });

  it('keeps the message of an unknown error', () => {
    const error = classifySocketError(socketError('EWEIRD', 'something odd'), { phase: 'write', protocol: 'tcp', peer });
    expect(error.message).toContain('EWEIRD: something odd');
  });

  it('classifies values that are not errors', () => {
    const error = classifySocketError('boom', { phase: 'idle', protocol: 'tcp', peer });
    expect(error.code).toBe('ESA_ERR_NETWORK');
    expect(error.message).toContain('no error code: boom');
  });

  it('returns a NetworkError unchanged', () => {
    const original = new NetworkError('ESA_ERR_WRITE_TIMEOUT', 'timed out');
    expect(classifySocketError(original, { phase: 'write', protocol: 'tcp', peer })).toBe(original);
  });

  it('leaves connectionId undefined when the context has none', () => {
    expect(classifySocketError(socketError('EPIPE'), { phase: 'write', protocol: 'tcp', peer }).connectionId).toBeUndefined();
  });
});
