// Answers saved by the wizard hold `{ stored: KEY }` references to the app's secure store, which the CLI
// cannot read: outside the app each one is the environment variable OUTPOST_SECRET_<KEY>, and a
// missing one is named in the message.
import { describe, expect, it } from 'vitest';
import { describeRef, envResolver } from '../../../electron/core/render';
import { storedEnvName } from '../../../electron/core/secrets/env';
import { MemorySecretStore, storeResolver } from '../../../electron/core/secrets/store';

describe('stored secrets outside the app', () => {
  it('names one variable per stored key', () => {
    expect(storedEnvName('icagent.ak.1a2b3c4d')).toBe('OUTPOST_SECRET_ICAGENT_AK_1A2B3C4D');
    expect(storedEnvName('target.0.password')).toBe('OUTPOST_SECRET_TARGET_0_PASSWORD');
  });

  it('the CLI resolves a stored reference from that variable, and says which one to set', () => {
    const r = envResolver({ OUTPOST_SECRET_ICAGENT_SK_9F: 'sk-value' });
    expect(r({ stored: 'icagent.sk.9f' })).toBe('sk-value');
    expect(r({ stored: 'icagent.ak.9f' })).toBeUndefined();
    expect(describeRef({ stored: 'icagent.ak.9f' })).toContain('set the environment variable OUTPOST_SECRET_ICAGENT_AK_9F');
  });

  it('the app prefers its store, and falls back to the variable', () => {
    const store = new MemorySecretStore();
    store.set('k.1', 'from-store', '••');
    const r = storeResolver(store, { OUTPOST_SECRET_K_1: 'from-env', OUTPOST_SECRET_K_2: 'env-only' });
    expect(r({ stored: 'k.1' })).toBe('from-store');
    expect(r({ stored: 'k.2' })).toBe('env-only');
  });
});
