// options.downloadSha256: each target checks the downloaded installer before running it (real bash
// and curl against a local HTTP server); without it, a plain-HTTP download plans with a warning.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStep } from '../../../electron/core/plan';
import { runLocal } from '../../../electron/core/exec/local-spawn';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { example, RESOURCES } from './helpers';

// A stand-in installer: sourced by the step, it says what the real one says on success.
const INSTALLER = 'echo "stand-in installer ran with $# arguments"\necho "ICAgent install success"\n';
const SHA = createHash('sha256').update(INSTALLER).digest('hex');
const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-sha-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.end(INSTALLER));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => server?.close());

function plan(sha?: string) {
  const a = example('linux-jump.yaml');
  if (a.connectivity.mode !== 'jump') throw new Error('linux-jump is a jump example');
  return service.plan({ ...a, connectivity: { ...a.connectivity, connectionIp: '127.0.0.1', portOverrides: { '80': { listen: port } } }, options: sha ? { downloadSha256: sha } : { download: 'tunnel' } });
}

async function runInstall(sha?: string): Promise<{ exitCode: number | null; out: string }> {
  const step = plan(sha).steps.find((s) => s.id === 'install');
  if (!step) throw new Error('no install step');
  const text = renderStep(step, 'exec', () => 'SECRETVALUE1234567890') ?? '';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-sha-run-'));
  let out = '';
  const r = await runLocal('bash', text, { cwd: dir, onData: (t) => (out += t), signal: new AbortController().signal, timeoutMs: 20_000 });
  return { exitCode: r.exitCode, out };
}

describe('installer checksum', () => {
  it('without options.downloadSha256, a plain-HTTP download (options.download: tunnel) plans with a warning saying how to fix it', () => {
    expect(plan().warnings.join('\n')).toMatch(/downloaded over plain HTTP through the jump server \(http:\/\/127\.0\.0\.1:\d+\/ICAgent_linux\/apm_agent_install\.sh, options\.download: tunnel\) and nothing checks it.*options\.downloadSha256/);
    expect(plan(SHA).warnings.join('\n')).not.toMatch(/plain HTTP/);
    expect(plan(SHA).steps.find((s) => s.id === 'install')?.display).toContain(`printf '%s  %s\\n' ${SHA} "$OUTPOST_INSTALLER_DIR"/apm_agent_install.sh | sha256sum -c --status -`);
  });

  it('runs the installer whose SHA-256 matches', async () => {
    const r = await runInstall(SHA);
    expect(r.out).toContain('ICAgent install success');
    expect(r.exitCode).toBe(0);
  });

  it('refuses an installer whose SHA-256 differs, before running it', async () => {
    const r = await runInstall('0'.repeat(64));
    expect(r.out).toContain('OUTPOST_FAIL the downloaded installer does not have the expected SHA-256');
    expect(r.out).not.toContain('stand-in installer ran');
    expect(r.exitCode).toBe(1);
  });
});
