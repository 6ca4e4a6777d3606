// Where the app keeps secrets the user typed (AK/SK, passwords): the Electron app backs this with the
// OS's secure storage (safeStorage), browser mode with this process's memory only. Never a plain file.
import { markSecretEnv, storedEnvName } from './env';
import type { SecretRef } from '../../common/api/plan';
import type { SecretRegistry } from './registry';

export interface SecretStore {
  readonly kind: 'memory' | 'os';
  /** Set when the storage is weaker than it looks (e.g. Linux safeStorage on basic_text). */
  readonly warning?: string;
  get(key: string): string | undefined;
  set(key: string, value: string, hint: string): void;
  hint(key: string): string | undefined;
  delete(key: string): void;
  keys(): string[];
}

export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory' as const;
  private readonly values = new Map<string, { value: string; hint: string }>();
  constructor(private readonly registry?: SecretRegistry) {}
  get(key: string): string | undefined {
    return this.values.get(key)?.value;
  }
  set(key: string, value: string, hint: string): void {
    this.values.set(key, { value, hint });
    this.registry?.add(value);
  }
  hint(key: string): string | undefined {
    return this.values.get(key)?.hint;
  }
  delete(key: string): void {
    this.values.delete(key);
  }
  keys(): string[] {
    return [...this.values.keys()];
  }
}

export function secretHint(value: string, reveal: 'last4' | 'none'): string {
  return reveal === 'last4' && value.length >= 12 ? `…${value.slice(-4)}` : '••••••••';
}

/** `{ env }` from the process environment, `{ stored }` from the store. */
export function storeResolver(store: SecretStore | undefined, env: NodeJS.ProcessEnv = process.env): (ref: SecretRef) => string | undefined {
  return (ref) => {
    if (!('env' in ref)) {
      markSecretEnv(storedEnvName(ref.stored));
      return store?.get(ref.stored) ?? env[storedEnvName(ref.stored)];
    }
    markSecretEnv(ref.env);
    return env[ref.env];
  };
}
