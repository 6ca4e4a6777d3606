// Secrets in the OS's secure storage via Electron safeStorage (DPAPI on Windows, Keychain on macOS,
// libsecret/kwallet on Linux): encrypted blobs in the user data folder, decrypted only in memory.
// Where Linux has no keyring (safeStorage falls back to "basic_text"), nothing is written to disk:
// secrets last for this session only, and the UI says so.
import fs from 'node:fs';
import path from 'node:path';
import { safeStorage } from 'electron';
import type { SecretRegistry } from '../core/secrets/registry';
import type { SecretStore } from '../core/secrets/store';

interface FileShape {
  [key: string]: { blob: string; hint: string };
}

export class SafeStorageSecretStore implements SecretStore {
  readonly kind: 'os' | 'memory';
  readonly warning?: string;
  private readonly cache = new Map<string, { value: string; hint: string }>();
  private readonly file: string;
  private readonly persistent: boolean;

  constructor(dataDir: string, private readonly registry: SecretRegistry) {
    this.file = path.join(dataDir, 'secrets.enc.json');
    const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os';
    this.persistent = safeStorage.isEncryptionAvailable() && backend !== 'basic_text' && backend !== 'unknown';
    this.kind = this.persistent ? 'os' : 'memory';
    if (!this.persistent) this.warning = 'No OS keyring is available: credentials are kept for this session only and asked again next time.';
    if (this.persistent) this.load();
  }

  private load(): void {
    let data: FileShape;
    try {
      data = JSON.parse(fs.readFileSync(this.file, 'utf8')) as FileShape;
    } catch {
      return;
    }
    for (const [key, v] of Object.entries(data)) {
      try {
        const value = safeStorage.decryptString(Buffer.from(v.blob, 'base64'));
        this.cache.set(key, { value, hint: v.hint });
        this.registry.add(value);
      } catch {
        // A blob from another user or machine: skip it, the user will be asked again.
      }
    }
  }

  private save(): void {
    if (!this.persistent) return;
    const data: FileShape = {};
    for (const [key, v] of this.cache) data[key] = { blob: safeStorage.encryptString(v.value).toString('base64'), hint: v.hint };
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  get(key: string): string | undefined {
    return this.cache.get(key)?.value;
  }
  hint(key: string): string | undefined {
    return this.cache.get(key)?.hint;
  }
  set(key: string, value: string, hint: string): void {
    this.registry.add(value);
    this.cache.set(key, { value, hint });
    this.save();
  }
  delete(key: string): void {
    this.cache.delete(key);
    this.save();
  }
  keys(): string[] {
    return [...this.cache.keys()];
  }
}
