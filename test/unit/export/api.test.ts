// export.ansible through the API, as the Review page's Export button calls it: answers with secrets
// as stored references (the wizard's), the folder chosen by the user; typed input and output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RequestOutput } from '../../../electron/common/api';
import { createCoreDispatcher } from '../../../electron/core/api/handlers';
import type { Client } from '../../../electron/core/client';
import type { CoreContext } from '../../../electron/core/context';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { MemorySecretStore } from '../../../electron/core/secrets/store';
import { RESOURCES } from './helpers';

const AK = 'HPUAQ7TZKXW3B9LMN2RV';
const SK = 'q8Zr2Lw5Xy1Vb7Nc4Md9Kp3Tf6Hg0Js8Ae5Ru2Yo';
const PW = 'target-Pa55word!';

function api() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-export-api-'));
  const secrets = new SecretRegistry();
  const store = new MemorySecretStore(secrets);
  store.set('icagent.ak.1', AK, '…2RV');
  store.set('icagent.sk.1', SK, '••••');
  store.set('target.pw.1', PW, '••••');
  const ctx: CoreContext = { appName: 'Outpost', version: 'test', mode: 'browser', locale: 'en', dataDir, resourcesDir: RESOURCES, log: silentLogger, secrets, secretStore: store };
  const d = createCoreDispatcher(ctx);
  const client: Client = { id: 'test', emit: () => undefined, onClose: () => undefined };
  return { dataDir, call: (name: string, input: unknown) => d.call(name, input, client) as Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> };
}

const answers = (os: 'linux' | 'windows' = 'linux') => ({
  profile: 'icagent',
  os,
  region: 'cn-north-4',
  connectivity: { mode: 'direct', accessIp: '100.125.12.150' },
  credentials: { ak: { stored: 'icagent.ak.1' }, sk: { stored: 'icagent.sk.1' }, projectId: '2a473356cca5487f8373be891bffc1cf' },
  targets: [{ host: '10.1.0.21', port: 22, user: 'root', password: { stored: 'target.pw.1' } }],
});

describe('export.ansible', () => {
  it('writes the export to the chosen folder: stored secrets read from OUTPOST_SECRET_<KEY>, passwords never written', async () => {
    const a = api();
    const folder = path.join(a.dataDir, 'exports', 'icagent-ansible');
    const r = await a.call('export.ansible', { answers: answers(), folder });
    expect(r.ok, JSON.stringify(r.error)).toBe(true);
    const v = r.value as RequestOutput<'export.ansible'>;
    expect(v).toMatchObject({ folder, targets: 1, passwordHosts: ['10.1.0.21'], hostsWithoutKey: [{ name: '10.1.0.21', label: 'host 1 (root@10.1.0.21:22)' }] });
    expect(v.env.map((e) => e.name)).toEqual(['OUTPOST_SECRET_ICAGENT_AK_1', 'OUTPOST_SECRET_ICAGENT_SK_1']);
    expect(v.files).toEqual(expect.arrayContaining(['inventory.yml', 'site.yml', 'known_hosts', 'README.md']));
    for (const f of v.files) {
      const text = fs.readFileSync(path.join(folder, f), 'utf8');
      for (const s of [AK, SK, PW]) expect(text.includes(s), f).toBe(false);
    }
  });

  it('refuses a relative folder, and a plan with no faithful mapping, naming the step', async () => {
    const a = api();
    expect((await a.call('export.ansible', { answers: answers(), folder: 'relative/dir' })).error?.code).toBe('export.folder');
    const w = await a.call('export.ansible', { answers: answers('windows'), folder: path.join(a.dataDir, 'w') });
    expect(w.error?.code).toBe('export.unmappable');
    expect(w.error?.message).toMatch(/^Step [\w.-]+: /);
    expect(fs.existsSync(path.join(a.dataDir, 'w'))).toBe(false);
  });
});
