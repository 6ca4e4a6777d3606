import { describe, expect, it } from 'vitest';
import { OutpostError } from '../../../electron/core/errors';
import { mapForwardError, mapSshError } from '../../../electron/core/ssh/errors';

const ctx = { host: '10.0.0.7', port: 2222, username: 'ops' };
const sysErr = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.7:2222`), { code, level: 'client-socket' });

describe('mapSshError', () => {
  it.each([
    ['EHOSTUNREACH', 'unreachable'],
    ['ENETUNREACH', 'unreachable'],
    ['ECONNREFUSED', 'refused'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ETIMEDOUT', 'timeout'],
    ['ECONNRESET', 'connection_lost'],
  ])('%s -> %s, naming host and port, with a hint', (sys, code) => {
    const e = mapSshError(sysErr(sys), ctx);
    expect(e.code).toBe(code);
    expect(e.message).toContain(code === 'dns' ? '10.0.0.7' : '10.0.0.7:2222');
    expect(e.hint).toBeTruthy();
  });
  it('maps ssh2 levels: handshake timeout and auth failure (with the methods tried)', () => {
    expect(mapSshError(Object.assign(new Error('Timed out'), { level: 'client-timeout' }), ctx).code).toBe('timeout');
    const auth = mapSshError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), {
      ...ctx,
      tried: ['publickey', 'password'],
      serverMethods: ['publickey'],
    });
    expect(auth.code).toBe('auth_failed');
    expect(auth.message).toContain('ops@10.0.0.7:2222');
    expect(auth.message).toContain('Methods tried: publickey, password');
    expect(auth.message).toContain('The server accepts: publickey');
  });
  it('passes OutpostErrors through and names the jump server', () => {
    const own = new OutpostError('hostkey_changed', 'x');
    expect(mapSshError(own, ctx)).toBe(own);
    expect(mapSshError(sysErr('ECONNREFUSED'), { ...ctx, via: 'me@jump:22' }).message).toContain('through me@jump:22');
    expect(mapSshError(new Error('weird'), ctx).code).toBe('ssh_error');
  });
});

describe('mapForwardError', () => {
  const f = (m: string) => mapForwardError(new Error(m), { host: '10.0.0.8', port: 22, via: 'u@jump:22' });
  it('maps the jump server channel-open failures', () => {
    expect(f('(SSH) Channel open failure: Connection refused').code).toBe('refused');
    expect(f('(SSH) Channel open failure: No route to host').code).toBe('unreachable');
    expect(f('(SSH) Channel open failure: administratively prohibited: open failed').code).toBe('jump_forward_failed');
    expect(f('(SSH) Channel open failure: Name or service not known').code).toBe('dns');
    expect(f('(SSH) Channel open failure: Connection refused').message).toContain('u@jump:22');
  });
});
