// "Edit answers" after a failed run lands on the field the failure points at: a path the message names,
// else the login (password or key path) of the host whose sign-in failed, else nothing (the Review).
import { describe, expect, it } from 'vitest';
import { emptyForm, fieldId, fieldOfFailure, stepOfPath } from '../../../renderer/src/wizard/model';

describe('fieldOfFailure', () => {
  const f = emptyForm('icagent');

  it('takes the path a message starts with', () => {
    const p = fieldOfFailure(f, { hostId: 'target0', code: 'key_unreadable', reason: 'targets[0].privateKey.path: ~/.ssh/nope cannot be read.' });
    expect(p).toBe('targets[0].privateKey.path');
    expect(stepOfPath(p ?? '')).toBe('hosts');
    expect(fieldOfFailure(f, { code: 'secret.missing', reason: 'inputs.sk: the stored secret "x" is not set' })).toBe('inputs.sk');
  });

  it('points at the login of the host whose sign-in failed', () => {
    expect(fieldOfFailure(f, { hostId: 'target0', code: 'auth_failed', reason: 'Authentication failed for root@10.0.0.5' })).toBe('targets[0].password');
    const p = fieldOfFailure(f, { hostId: 'jump0', code: 'auth_failed', reason: 'Authentication failed' });
    expect(p).toBe('connectivity.jumpServers[0].ssh.password');
    expect(stepOfPath(p ?? '')).toBe('connectivity');
    expect(fieldOfFailure(f, { hostId: 'target0', code: 'refused', reason: 'refused' })).toBe('targets[0].host');
  });

  it('says nothing for a failure that is not about an answer', () => {
    expect(fieldOfFailure(f, { hostId: 'target0', code: 'install_failed', reason: 'Install failed: exit 1' })).toBeNull();
  });

  it('names the DOM id the wizard gives that field', () => {
    expect(fieldId('targets[0].password')).toBe('f-targets-0--password');
  });
});
