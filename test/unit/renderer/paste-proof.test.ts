// The wizard's pure parts of issue 25's paste and live proof: what a pasted command changes (same, new,
// replacing a typed value, the in-region warning, secrets replaced count as overwrites) and a host's
// proof from its verify step's status and checks. The run's "a key rejected once is not asked again".
import { describe, expect, it } from 'vitest';
import { emptyForm, slot } from '../../../renderer/src/wizard/model';
import { importedForm, inRegionAddress, pasteChanges, shortLabel, type Imported } from '../../../renderer/src/wizard/paste-changes';
import { proofOf, proofStepIds } from '../../../renderer/src/batch/proof';
import { rememberRejections } from '../../../electron/core/run/host-keys';

const imported = (over: Partial<Imported> = {}): Imported => ({
  inputs: { projectId: 'p-1', ak: { stored: 'icagent.ak.1' }, sk: { stored: 'icagent.sk.1' } },
  region: 'cn-north-4',
  connectivity: { accessIp: '100.125.12.150' },
  secrets: [
    { name: 'ak', stored: 'icagent.ak.1', hint: '…WXYZ' },
    { name: 'sk', stored: 'icagent.sk.1', hint: '' },
  ],
  masked: 'x',
  ...over,
});

describe('pasteChanges', () => {
  it('says same, new and before → after, and flags an in-region address as a jump server connection IP', () => {
    const f = emptyForm('icagent');
    f.region = { ...f.region, id: 'cn-north-4' };
    f.connectivity = { ...f.connectivity, mode: 'jump', connectionIp: '127.0.2.1' };
    const { changes, overwrites, secrets } = pasteChanges(f, imported());
    expect(changes.find((c) => c.path === 'region.id')).toMatchObject({ kind: 'same', to: 'cn-north-4' });
    expect(changes.find((c) => c.path === 'connectivity.connectionIp')).toMatchObject({ kind: 'changed', from: '127.0.2.1', to: '100.125.12.150', warn: 'inRegion' });
    expect(changes.find((c) => c.path === 'inputs.projectId')).toMatchObject({ kind: 'new', to: 'p-1' });
    expect(overwrites.map((c) => c.path)).toEqual(['connectivity.connectionIp']);
    expect(secrets).toEqual(['ak', 'sk']);
    const after = importedForm(f, imported(), ['cn-north-4']);
    expect(after.connectivity.connectionIp).toBe('100.125.12.150');
    expect(after.inputs.ak).toMatchObject({ kind: 'secret' });
  });

  it('counts a saved secret it would replace as an overwrite; direct mode has no warning', () => {
    const f = emptyForm('icagent');
    f.connectivity = { ...f.connectivity, mode: 'direct', directAccessIp: '' };
    f.inputs = { ak: { kind: 'secret', slot: { ...slot('icagent.ak.0'), hint: '…AAAA' } } };
    const { changes, overwrites } = pasteChanges(f, imported());
    expect(changes.find((c) => c.path === 'connectivity.directAccessIp')).toMatchObject({ kind: 'new' });
    expect(changes.some((c) => c.warn)).toBe(false);
    expect(overwrites.map((c) => c.path)).toEqual(['inputs.ak']);
  });

  it('knows the in-region service range and short secret names', () => {
    expect(inRegionAddress('100.125.0.9')).toBe(true);
    expect(inRegionAddress('100.126.0.9')).toBe(false);
    expect(shortLabel('Access key ID (AK)')).toBe('AK');
    expect(shortLabel('访问密钥 ID（AK）')).toBe('AK');
    expect(shortLabel('Token')).toBe('Token');
  });
});

describe('live proof', () => {
  const pass = { name: 'icagent connections', status: 'pass' as const, detail: 'ESTABLISHED to 30200' };
  it('waits while the verify step runs, then sees the heartbeat with its evidence, or says none', () => {
    expect(proofOf('running', undefined)).toEqual({ proof: 'waiting', evidence: '' });
    expect(proofOf('done', [{ name: 'files', status: 'pass', detail: 'ok' }, pass])).toEqual({ proof: 'seen', evidence: 'icagent connections: ESTABLISHED to 30200' });
    expect(proofOf('failed', [{ name: 'icagent', status: 'fail', detail: 'not running' }])).toEqual({ proof: 'missing', evidence: 'icagent: not running' });
    expect(proofOf('pending', undefined)).toBeNull();
  });
  it("takes the plan's verify steps on the targets, not an uninstall's 'removed' check", () => {
    expect(proofStepIds([{ id: 'verify', phase: 'verify', on: 'targets' }, { id: 'check.tunnel', phase: 'verify', on: 'jump0' }])).toEqual(['verify']);
    expect(proofStepIds([{ id: 'verify.removed', phase: 'verify', on: 'targets' }])).toEqual(['verify']);
  });
});

describe('host keys within a run', () => {
  it('does not ask again about a key rejected once', async () => {
    let asked = 0;
    const policy = rememberRejections(() => {
      asked++;
      return Promise.resolve('reject');
    });
    const info = { host: '10.0.0.1', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:x', publicKeyLine: 'ssh-ed25519 AAAA' };
    expect(await policy(info)).toBe('reject');
    expect(await policy(info)).toBe('reject');
    expect(await policy({ ...info, fingerprint: 'SHA256:y' })).toBe('reject');
    expect(asked).toBe(2);
  });
});
