// A secret given through the environment (`{ env: NAME }` in answers) reaches only the step that uses
// it, as a value: the local terminal and local steps do not inherit the variable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLocal } from '../../../electron/core/exec/local-spawn';
import { silentLogger } from '../../../electron/core/log/logger';
import { childEnv, markSecretEnv } from '../../../electron/core/secrets/env';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { spawnLocalPty } from '../../../electron/core/terminal/local-pty';

const RESOURCES = path.resolve(import.meta.dirname, '..', '..', '..', 'resources');

describe('secret environment variables', () => {
  it('drops exactly the named variables (case-insensitively on Windows)', () => {
    markSecretEnv('OUTPOST_CHILD_A');
    const base = { PATH: '/bin', OUTPOST_CHILD_A: 'x', OUTPOST_CHILD_B: 'y', outpost_child_a: 'z' };
    expect(childEnv(base, 'linux')).toEqual({ PATH: '/bin', OUTPOST_CHILD_B: 'y', outpost_child_a: 'z' });
    expect(childEnv(base, 'win32')).toEqual({ PATH: '/bin', OUTPOST_CHILD_B: 'y' });
  });

  it('a plan whose answers reference a variable keeps it from local steps and the local terminal', async () => {
    const name = 'OUTPOST_CHILD_SK';
    const value = 'child-env-secret-value-0123';
    process.env[name] = value;
    process.env.OUTPOST_CHILD_PLAIN = 'plain-visible';
    try {
      const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-env-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
      service.plan({
        profile: 'icagent',
        os: 'linux',
        region: 'cn-north-4',
        connectivity: { mode: 'direct', accessIp: '100.125.4.25' },
        inputs: { ak: { env: 'OUTPOST_CHILD_AK' }, sk: { env: name }, projectId: 'p1' },
        targets: [{ host: '10.0.0.5', user: 'root', password: { env: 'OUTPOST_CHILD_PW' } }],
      });
      let out = '';
      const r = await runLocal('bash', 'echo "sk=${OUTPOST_CHILD_SK:-unset} plain=${OUTPOST_CHILD_PLAIN:-unset}"', { onData: (t) => (out += t), signal: new AbortController().signal, timeoutMs: 10_000 });
      expect(r.exitCode).toBe(0);
      expect(out.trim()).toBe('sk=unset plain=plain-visible');

      const pty = spawnLocalPty({ cols: 80, rows: 24, file: '/bin/bash', args: ['--norc', '--noprofile', '-c', 'echo "sk=${OUTPOST_CHILD_SK:-unset} plain=${OUTPOST_CHILD_PLAIN:-unset}"'] });
      let seen = '';
      await new Promise<void>((resolve) => {
        pty.onData((d) => (seen += d));
        pty.onExit(() => resolve());
      });
      expect(seen).toContain('sk=unset plain=plain-visible');
      expect(seen).not.toContain(value);
    } finally {
      delete process.env[name];
      delete process.env.OUTPOST_CHILD_PLAIN;
    }
  });
});
