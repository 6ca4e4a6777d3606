// "Edit answers" after a failed run lands on the field the core names (run.end's `field`, see
// test/unit/service/failure-field.test.ts): the step that holds it, and the DOM id of its input.
import { describe, expect, it } from 'vitest';
import { fieldId, stepOfPath } from '../../../renderer/src/wizard/validity';

describe('the field a failed run points at, in the wizard', () => {
  it('opens the step that holds it', () => {
    expect(stepOfPath('targets[0].privateKey.path')).toBe('hosts');
    expect(stepOfPath('package.sha256')).toBe('hosts');
    expect(stepOfPath('connectivity.jumpServers[0].ssh.password')).toBe('connectivity');
    expect(stepOfPath('options.installDir')).toBe('connectivity');
    expect(stepOfPath('inputs.sk')).toBe('credentials');
    expect(stepOfPath('region')).toBe('region');
  });

  it('names the DOM id the wizard gives that field', () => {
    expect(fieldId('targets[0].password')).toBe('f-targets-0--password');
    expect(fieldId('connectivity.jumpServers[1].ssh.host')).toBe('f-connectivity-jumpServers-1--ssh-host');
  });
});
