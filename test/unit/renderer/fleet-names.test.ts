// A fleet's hosts are named the same everywhere (issue 25): the CSV name, else user@host:port, never a
// number; "the same host" across a retry is its address (host list edits of a password or name keep it).
import { describe, expect, it } from 'vitest';
import { addressKey, targetName } from '../../../renderer/src/batch/names';
import { hostLabel } from '../../../renderer/src/wizard/planText';
import type { Plan } from '../../../electron/common/api';

describe('fleet host names', () => {
  it('a target is its CSV name, else user@host:port (IPv6 in brackets); never "Host N"', () => {
    expect(targetName({ host: '10.0.0.5', port: 2222, user: 'ops', name: 'web-5' })).toBe('web-5');
    expect(targetName({ host: '10.0.0.5', port: 22, user: 'root' })).toBe('root@10.0.0.5:22');
    expect(targetName({ host: '10.0.0.5', port: 22, user: 'root', name: '  ' })).toBe('root@10.0.0.5:22');
    expect(targetName({ host: 'fd00::5', port: 22, user: 'root' })).toBe('root@[fd00::5]:22');
    // Same address, another password or name: the same host.
    expect(addressKey({ host: '10.0.0.5', port: 22, user: 'root' })).toBe(addressKey({ host: '10.0.0.5', port: 22, user: 'root' }));
    expect(addressKey({ host: '10.0.0.5', port: 22, user: 'root' })).not.toBe(addressKey({ host: '10.0.0.5', port: 2222, user: 'root' }));
    const plan = { hosts: { jumps: [], targets: [{ id: 'target1', index: 1, label: 'x', name: 'db-1', ssh: { host: '10.0.0.6', port: 22, user: 'root' }, via: null }, { id: 'target2', index: 2, label: 'y', ssh: { host: '10.0.0.7', port: 22, user: 'ops' }, via: null }] } } as unknown as Plan;
    const t = ((k: string, o?: Record<string, unknown>) => `${k}:${String(o?.n ?? '')}`) as Parameters<typeof hostLabel>[0];
    expect(hostLabel(t, 'target1', plan)).toBe('db-1');
    expect(hostLabel(t, 'target2', plan)).toBe('ops@10.0.0.7:22');
  });
});
