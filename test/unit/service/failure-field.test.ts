// Which answers field a failed run points at (run.end's `field`, "Edit answers" opens it): from the run's
// end and the plan (which answers entry a host came from, how it signs in), not from a reason's words.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult, Plan } from '../../../electron/common/api';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { failureField, OutpostService } from '../../../electron/core/service';
import { example, RESOURCES } from '../plan/helpers';

const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-field-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });

/** linux-jump.yaml with a second target signing in with a key and a third with ssh-agent, a jump server with a key. */
const plan: Plan = (() => {
  const a = structuredClone(example('linux-jump.yaml')) as unknown as Record<string, unknown>;
  const t = (a.targets as Array<Record<string, unknown>>)[0] ?? {};
  const { password: _pw, ...login } = t;
  a.targets = [t, { ...login, host: '10.1.0.22', privateKey: { path: '~/.ssh/id_ed25519' } }, { ...login, host: '10.1.0.23', agent: true }];
  const c = a.connectivity as { jumpServers: Array<Record<string, unknown>> };
  const j = c.jumpServers[0] ?? {};
  c.jumpServers.push({ privateIp: '192.168.0.11', ssh: { host: '192.168.0.11', port: 22, user: 'root', privateKey: { path: '~/.ssh/jump' } } });
  c.jumpServers[0] = j;
  a.package = { path: '/tmp/ICProbeAgent.tar.gz', sha256: 'a'.repeat(64) };
  return service.plan(a);
})();

const check = (name: string, status: CheckResult['status'] = 'fail'): CheckResult => ({ name, status, detail: '' });

describe('failureField', () => {
  it('a sign-in that failed: that host’s password, key file or (ssh-agent) user', () => {
    expect(failureField(plan, { code: 'auth_failed', hostId: 'target0', failedStep: 'connect', reason: 'Authentication failed for root@10.1.0.21:22' })).toBe('targets[0].password');
    expect(failureField(plan, { code: 'auth_failed', hostId: 'target1', failedStep: 'connect' })).toBe('targets[1].privateKey.path');
    expect(failureField(plan, { code: 'key_passphrase', hostId: 'target1', failedStep: 'connect' })).toBe('targets[1].privateKey.path');
    expect(failureField(plan, { code: 'auth_config', hostId: 'target2', failedStep: 'connect' })).toBe('targets[2].user');
    expect(failureField(plan, { code: 'auth_failed', hostId: 'jump0', failedStep: 'connect.jump0' })).toBe('connectivity.jumpServers[0].ssh.password');
    expect(failureField(plan, { code: 'auth_failed', hostId: 'jump1', failedStep: 'connect.jump1' })).toBe('connectivity.jumpServers[1].ssh.privateKey.path');
    // Outpost's own message names the field it could not use.
    expect(failureField(plan, { code: 'key_unreadable', hostId: 'target1', failedStep: 'connect', reason: 'targets[1].privateKey.path: ~/.ssh/id_ed25519 cannot be read.' })).toBe('targets[1].privateKey.path');
  });

  it('a host key refused, a host not reached: that host’s address', () => {
    expect(failureField(plan, { code: 'hostkey_rejected', hostId: 'jump0', failedStep: 'connect.jump0' })).toBe('connectivity.jumpServers[0].ssh.host');
    expect(failureField(plan, { code: 'hostkey_changed', hostId: 'target2', failedStep: 'connect' })).toBe('targets[2].host');
    for (const code of ['refused', 'unreachable', 'dns', 'timeout']) expect(failureField(plan, { code, hostId: 'target0', failedStep: 'connect' })).toBe('targets[0].host');
    // The jump server could not reach the target: the target's address.
    expect(failureField(plan, { code: 'jump_forward_failed', hostId: 'target0', failedStep: 'connect' })).toBe('targets[0].host');
  });

  it('a target not tried because its jump server failed: that jump server', () => {
    expect(failureField(plan, { code: 'jump_failed', hostId: 'target0', failedStep: 'connect.jump0' })).toBe('connectivity.jumpServers[0].ssh.host');
  });

  it('no root and no sudo without a password: the login user', () => {
    expect(failureField(plan, { code: 'root_required', hostId: 'target0', failedStep: 'install' })).toBe('targets[0].user');
    expect(failureField(plan, { code: 'tunnel_privilege', hostId: 'jump0', failedStep: 'tunnel.jump0' })).toBe('connectivity.jumpServers[0].ssh.user');
    expect(failureField(plan, { code: 'preflight_failed', hostId: 'target1', failedStep: 'preflight' }, [check('clock', 'pass'), check('privilege')])).toBe('targets[1].user');
  });

  it('a failed preflight: the answer behind its first failed check, if any', () => {
    expect(failureField(plan, { code: 'preflight_failed', hostId: 'target0', failedStep: 'preflight' }, [check('disk')])).toBe('options.installDir');
    expect(failureField(plan, { code: 'preflight_failed', hostId: 'target0', failedStep: 'preflight' }, [check('reach')])).toBe('connectivity.connectionIp');
    expect(failureField(plan, { code: 'preflight_failed', hostId: 'target0', failedStep: 'preflight' }, [check('clock')])).toBeUndefined();
    expect(failureField(plan, { code: 'preflight_failed', hostId: 'target0', failedStep: 'preflight' })).toBeUndefined();
  });

  it('the package: its checksum or its path', () => {
    const upload = plan.steps.find((s) => s.action.kind === 'upload');
    expect(upload).toBeDefined();
    expect(failureField(plan, { code: 'package_checksum', hostId: 'local', failedStep: upload?.id })).toBe('package.sha256');
    expect(failureField(plan, { code: 'package_missing', hostId: 'local', failedStep: upload?.id })).toBe('package.path');
    // A profile's own "package_missing" (its repository has no package) is not the answers' package.
    expect(failureField(plan, { code: 'package_missing', hostId: 'target0', failedStep: 'install' })).toBeUndefined();
  });

  it('a missing secret, a per-host value a command cannot take: the field named', () => {
    expect(failureField(plan, { code: 'secret.missing', hostId: 'target0', failedStep: 'install', reason: 'inputs.sk: the stored secret "icagent.sk" is not set.' })).toBe('inputs.sk');
    expect(failureField(plan, { code: 'secret.missing', hostId: 'jump0', failedStep: 'connect.jump0', reason: 'connectivity.jumpServers[0].ssh.password: the $JUMP_PASSWORD is not set.' })).toBe('connectivity.jumpServers[0].ssh.password');
    expect(failureField(plan, { code: 'host_value_invalid', hostId: 'target2', failedStep: 'run', reason: '{host.name} of target2 is "a b", which has characters a command or file cannot take as they are.' })).toBe('targets[2].name');
  });

  it('nothing when no answer is to blame', () => {
    expect(failureField(plan, { code: 'install_failed', hostId: 'target0', failedStep: 'install', reason: 'targets[0] said no' })).toBeUndefined();
    expect(failureField(plan, { code: 'verify_failed', hostId: 'target0', failedStep: 'verify' })).toBeUndefined();
    expect(failureField(plan, { code: 'auth_failed', hostId: 'seed', failedStep: 'inherited-connect' })).toBeUndefined();
    expect(failureField(plan, {})).toBeUndefined();
  });
});
