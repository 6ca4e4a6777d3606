// A secret given through the environment (`{ env: NAME }` in answers) reaches only the step that uses
// it, as a value: the local terminal and local steps do not inherit the variable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../../electron/core/client';
import { terminalHandlers } from '../../../electron/core/api/handlers/terminal';
import type { CoreContext } from '../../../electron/core/context';
import { runLocal } from '../../../electron/core/exec/local-spawn';
import { silentLogger } from '../../../electron/core/log/logger';
import { childEnv, markSecretEnv, terminalEnv } from '../../../electron/core/secrets/env';
import { MASK, SecretRegistry } from '../../../electron/core/secrets/registry';
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
    process.env.CHILD_ENV_OTHER = 'other-visible';
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

      // The terminal keeps no OUTPOST_* variable at all; others stay.
      const pty = spawnLocalPty({ cols: 80, rows: 24, file: '/bin/bash', args: ['--norc', '--noprofile', '-c', 'echo "sk=${OUTPOST_CHILD_SK:-unset} plain=${OUTPOST_CHILD_PLAIN:-unset} other=${CHILD_ENV_OTHER:-unset}"'] });
      let seen = '';
      await new Promise<void>((resolve) => {
        pty.onData((d) => (seen += d));
        pty.onExit(() => resolve());
      });
      expect(seen).toContain('sk=unset plain=unset other=other-visible');
      expect(seen).not.toContain(value);
    } finally {
      delete process.env[name];
      delete process.env.OUTPOST_CHILD_PLAIN;
      delete process.env.CHILD_ENV_OTHER;
    }
  });
});

describe('the local terminal (browser mode: terminal.open)', () => {
  it('drops every OUTPOST_* variable and every marked one, registers their values (not the settings), case-insensitively on Windows', () => {
    markSecretEnv('DB_PASSWORD_FOR_TERMINAL');
    const reg = new SecretRegistry();
    const base = { PATH: '/bin', HOME: '/home/u', OUTPOST_AK: 'AK-terminal-1', OUTPOST_SECRET_X: 'stored-x-value', OUTPOST_DATA_DIR: '/data/outpost', OUTPOST_FLAG: '1', DB_PASSWORD_FOR_TERMINAL: 'db-pw' };
    expect(terminalEnv(reg, base, 'linux')).toEqual({ PATH: '/bin', HOME: '/home/u' });
    expect(reg.redact('AK-terminal-1 stored-x-value db-pw /data/outpost 1')).toBe(`${MASK} ${MASK} ${MASK} /data/outpost 1`);
    expect(terminalEnv(undefined, { Path: 'C:\\Windows', Outpost_Sk: 'x', db_password_for_terminal: 'y' }, 'win32')).toEqual({ Path: 'C:\\Windows' });
  });

  it('`env` in a terminal opened through the API shows none of Outpost\'s keys, passwords or their names', async () => {
    const values = { OUTPOST_AK: 'AKTERMINALENV0001', OUTPOST_SK: 'sk-terminal-env-secret-0002', OUTPOST_DEFAULT_PASSWORD: 'Default-Pw-0003', OUTPOST_SECRET_ICAGENT_SK_T: 'stored-sk-0004', TERM_TEST_DB_PASSWORD: 'marked-db-pw-0005' };
    markSecretEnv('TERM_TEST_DB_PASSWORD');
    Object.assign(process.env, values);
    const ctx: CoreContext = { appName: 'Outpost', version: 't', mode: 'browser', locale: 'en', dataDir: os.tmpdir(), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() };
    const handlers = terminalHandlers(ctx);
    let shown = '';
    let exited = false;
    const client: Client = {
      id: 'term-env',
      emit: (name, payload) => {
        if (name === 'terminal.data') shown += (payload as { data: string }).data;
        if (name === 'terminal.exit') exited = true;
      },
      onClose: () => undefined,
    };
    try {
      const { id } = (await handlers['terminal.open']({ cols: 200, rows: 50 }, client)) as { id: string };
      // Printed by the shell itself, and read back from the environment Outpost started with.
      await handlers['terminal.write']({ id, data: 'env; echo END-OF-ENV; exit\r' }, client);
      const deadline = Date.now() + 15_000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(exited).toBe(true);
      expect(shown).toContain('END-OF-ENV');
      expect(shown).toMatch(/\bPATH=/);
      for (const [k, v] of Object.entries(values)) {
        expect(shown).not.toContain(`${k}=`);
        expect(shown).not.toContain(v);
        // Registered: wherever else a value turns up (a program reading its parent's environment), it is masked.
        expect(ctx.secrets.redact(v)).toBe(MASK);
      }
    } finally {
      for (const k of Object.keys(values)) delete process.env[k];
    }
  });
});
