// The app's secret store over Electron safeStorage. Electron's binary cannot run on this machine, so
// safeStorage is replaced by a stand-in that encrypts reversibly; what is tested is our logic: nothing
// in clear on disk, values back after a restart, and no file at all when the OS has no keyring.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretRegistry } from '../../../electron/core/secrets/registry';

const backend = { name: 'gnome_libsecret' };
vi.mock('electron', () => ({
  safeStorage: {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend.name,
    encryptString: (s: string) => Buffer.from([...Buffer.from(s, 'utf8')].map((b) => b ^ 0x5a)),
    decryptString: (b: Buffer) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString('utf8'),
  },
}));

const { SafeStorageSecretStore } = await import('../../../electron/main/secret-store');

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-store-'));
  backend.name = 'gnome_libsecret';
});

describe('SafeStorageSecretStore', () => {
  it('keeps only encrypted blobs on disk and restores them after a restart', () => {
    const a = new SafeStorageSecretStore(dir, new SecretRegistry());
    a.set('cred.sk', 'SK-very-secret-value', '••••');
    expect(a.kind).toBe('os');
    const file = fs.readFileSync(path.join(dir, 'secrets.enc.json'), 'utf8');
    expect(file).not.toContain('SK-very-secret-value');
    expect((fs.statSync(path.join(dir, 'secrets.enc.json')).mode & 0o777).toString(8)).toBe('600');
    const registry = new SecretRegistry();
    const b = new SafeStorageSecretStore(dir, registry);
    expect(b.get('cred.sk')).toBe('SK-very-secret-value');
    expect(b.hint('cred.sk')).toBe('••••');
    // Restored secrets are masked in logs from the start.
    expect(registry.redact('x SK-very-secret-value y')).toBe('x **** y');
    b.delete('cred.sk');
    expect(new SafeStorageSecretStore(dir, new SecretRegistry()).get('cred.sk')).toBeUndefined();
  });

  it('without an OS keyring (basic_text) keeps secrets in memory only and says so', () => {
    backend.name = 'basic_text';
    const s = new SafeStorageSecretStore(dir, new SecretRegistry());
    s.set('cred.ak', 'AK-value-1234', '…1234');
    expect(s.kind).toBe('memory');
    expect(s.warning).toMatch(/session only/);
    expect(s.get('cred.ak')).toBe('AK-value-1234');
    expect(fs.existsSync(path.join(dir, 'secrets.enc.json'))).toBe(false);
  });
});
