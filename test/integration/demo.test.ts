// `outpost demo`: the sandbox must carry a real install end to end (jump server tunnel, two targets,
// heartbeats at the stand-in backend) with sshd run as the current user and key auth only, and must
// leave nothing behind when stopped. Then the CLI itself: prints a URL, stops cleanly on SIGTERM.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { handshakeProtocols } from '../../electron/common/browser-auth';
import { checkSandboxRequirements, startSandbox, sandboxLeftovers, type Sandbox } from '../../electron/demo/sandbox';
import { validateAnswers } from '../../electron/core/plan';
import { OutpostService } from '../../electron/core/service';
import { startRun } from '../../electron/core/run';
import { SecretRegistry } from '../../electron/core/secrets/registry';
import { silentLogger } from '../../electron/core/log/logger';
import { KnownHosts } from '../../electron/core/ssh';
import { findResourcesDir } from '../../electron/core/paths';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
let sandbox: Sandbox | null = null;

afterAll(async () => {
  await sandbox?.stop();
});

/** uid of each process listening (or running) with this pid, from /proc. */
function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? -1);
}

describe('demo sandbox', () => {
  it('says everything it is missing in one message, with how to get it', () => {
    const saved = process.env.OUTPOST_SSHD;
    process.env.OUTPOST_SSHD = '/nonexistent/sshd';
    try {
      expect(() => checkSandboxRequirements('/nonexistent/fixture')).toThrow(/needs OpenSSH's server \(\/nonexistent\/sshd\), .*the fixture agent installer/);
      try {
        checkSandboxRequirements('/nonexistent/fixture');
      } catch (err) {
        expect((err as { hint?: string }).hint).toMatch(/sudo apt-get install openssh-server/);
        expect((err as { hint?: string }).hint).toMatch(/demo's files are missing from this Outpost installation/);
      }
    } finally {
      if (saved === undefined) delete process.env.OUTPOST_SSHD;
      else process.env.OUTPOST_SSHD = saved;
    }
    expect(() => checkSandboxRequirements()).not.toThrow();
  });

  it('installs the fixture agent on both targets through the jump server, then stops without leftovers', async () => {
    const sb = await startSandbox({ targets: 2 });
    sandbox = sb;
    expect(sb.notes).toEqual([]);
    expect(sb.hosts.targets).toHaveLength(2);
    const addrs = [sb.hosts.jump.host, ...sb.hosts.targets.map((t) => t.host), sb.backend.host];
    expect(new Set(addrs).size).toBe(addrs.length);
    for (const a of addrs) expect(a).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(sb.backend.ports.heartbeat).toBe(8149);

    // sshd runs as this process's user and accepts keys only (no PAM, no passwords).
    for (const h of [sb.hosts.jump, ...sb.hosts.targets]) {
      expect(uidOf(h.pid)).toBe(process.getuid?.());
      const cfg = fs.readFileSync(path.join(sb.dir, h.name, 'sshd_config'), 'utf8');
      expect(cfg).toMatch(/^PasswordAuthentication no$/m);
      expect(cfg).toMatch(/^UsePAM no$/m);
    }

    const v = validateAnswers(sb.answers);
    if (!v.ok) throw new Error(JSON.stringify(v.problems));
    const resources = findResourcesDir();
    const plan = new OutpostService({ dataDir: sb.dataDir, resourcesDir: resources, log: silentLogger, secrets: new SecretRegistry() }).plan(v.answers);
    const registry = new SecretRegistry();
    for (const value of Object.values(sb.secrets)) registry.add(value);
    const steps: string[] = [];
    let output = '';
    const handle = startRun(
      plan,
      { acceptNewHostKeys: true, overridePreflight: false, reinstall: false, tunnelOnly: false },
      {
        dataDir: sb.dataDir,
        secrets: registry,
        log: silentLogger,
        knownHosts: new KnownHosts(path.join(sb.dataDir, 'known_hosts')),
        resolver: (ref) => ('stored' in ref ? sb.secrets[ref.stored] : undefined),
        hostKeyPolicy: async () => 'accept',
        emit: (name, payload) => {
          if (name === 'run.step') {
            const p = payload as { stepId: string; status: string; host: string; message?: string };
            steps.push(`${p.stepId} ${p.status} ${p.host} ${p.message ?? ''}`);
          }
        },
      },
    );
    handle.terminal.onData((t) => (output += t));
    const end = await handle.done;
    expect(end.outcome, `${end.reason ?? ''}\n${steps.join('\n')}\n${output.slice(-3000)}`).toBe('done');
    expect(output).toContain('ICAgent install success');
    expect(steps.filter((s) => s.startsWith('install done'))).toHaveLength(2);
    for (const value of Object.values(sb.secrets)) expect(output).not.toContain(value);

    // Heartbeats from each target's own agent, through the tunnel.
    for (const t of sb.hosts.targets) {
      const hb = await sb.backend.waitForHeartbeats(1, { fromHost: t.name, timeoutMs: 20_000 });
      expect(hb[0]?.projectid).toBe((sb.answers.inputs as { projectId: string }).projectId);
    }
    // Each host installed into its own folder, none into the user's real home.
    for (const t of sb.hosts.targets) {
      expect(fs.existsSync(path.join(sb.dir, t.name, 'opt', 'oss', 'servicemgr', 'ICAgent', 'conf', 'icagent.conf'))).toBe(true);
    }
    const before = await sandboxLeftovers(sb.dir, `${sb.hosts.jump.host}:`);
    expect(before.some((p) => p.includes('icagentd'))).toBe(true);
    expect(before.some((p) => /ssh .*-L /.test(p))).toBe(true);

    await sb.stop();
    sandbox = null;
    expect(await sandboxLeftovers(sb.dir, `${sb.hosts.jump.host}:`)).toEqual([]);
    for (const h of [sb.hosts.jump, ...sb.hosts.targets]) expect(fs.existsSync(`/proc/${h.pid}`)).toBe(false);
    expect(fs.existsSync(sb.dir)).toBe(false);
  }, 120_000);
});

interface Wire {
  type: string;
  id?: number;
  name?: string;
  payload?: Record<string, unknown>;
  result?: { ok: boolean; value?: unknown; error?: unknown };
}

/** The wizard's side of browser mode: requests over the token-guarded WebSocket, events to a callback. */
async function apiClient(url: string, onEvent: (name: string, payload: Record<string, unknown>) => void) {
  const u = new URL(url);
  // As the page does: the token as a subprotocol, from the page's own origin.
  const ws = new WebSocket(`ws://${u.host}/api`, handshakeProtocols(new URLSearchParams(u.hash.slice(1)).get('token') ?? ''), { origin: u.origin });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let seq = 0;
  const pending = new Map<number, (r: Wire['result']) => void>();
  ws.on('message', (raw: Buffer) => {
    const m = JSON.parse(raw.toString()) as Wire;
    if (m.type === 'response' && m.id !== undefined) pending.get(m.id)?.(m.result);
    if (m.type === 'event' && m.name) onEvent(m.name, m.payload ?? {});
  });
  return {
    call: (name: string, input: unknown) =>
      new Promise<Wire['result']>((resolve) => {
        const id = ++seq;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, name, input }));
      }),
    close: () => ws.close(),
  };
}

async function until(what: string, cond: () => boolean, timeoutMs: number, detail: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('outpost demo (CLI)', () => {
  it('prints the URL, pre-fills the wizard, installs through browser mode, and stops everything on SIGTERM', async () => {
    execFileSync(process.execPath, ['scripts/build.mjs', 'node'], { cwd: ROOT, stdio: 'ignore' });
    // The CLI only checks that the UI is built; the UI itself is the e2e tests' job.
    const renderer = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-demo-ui-'));
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Outpost</title>');
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), 'demo', '--no-open'], {
      cwd: ROOT,
      env: { ...process.env, OUTPOST_RENDERER_DIR: renderer },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    const log = () => stdout + stderr;
    let api: Awaited<ReturnType<typeof apiClient>> | null = null;
    try {
      await until('the URL', () => /Open: http\S+/.test(stdout) || p.exitCode !== null, 30_000, log);
      const url = /Open: (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(stdout)?.[1] ?? '';
      expect(url, log()).not.toBe('');
      const dir = /Sandbox folder: (\S+)/.exec(stdout)?.[1] ?? '';
      expect(fs.existsSync(dir), log()).toBe(true);
      expect(stdout).toContain('nothing leaves this computer');
      expect((await fetch(url)).status).toBe(200);

      let end: Record<string, unknown> | null = null;
      const accepted: string[] = [];
      api = await apiClient(url, (name, payload) => {
        if (name === 'hostkey.unknown') {
          // As a user would: accept only a fingerprint the demo printed.
          const fp = String(payload.fingerprint);
          if (stdout.includes(fp)) accepted.push(fp);
          void api?.call('hostkey.decide', { requestId: payload.requestId, decision: stdout.includes(fp) ? 'accept' : 'reject' });
        }
        if (name === 'run.end') end = payload;
      });
      const initial = await api.call('wizard.initial', {});
      const value = initial?.value as { answers: { targets: unknown[] }; banner: string };
      expect(value.banner).toMatch(/^Demo sandbox on 127\.\d+\.\d+\.x: a jump server, 2 hosts and a stand-in LTS backend; nothing leaves this computer/);
      expect(value.answers.targets).toHaveLength(2);
      const started = await api.call('run.start', { answers: value.answers });
      expect(started?.ok, JSON.stringify(started)).toBe(true);
      await until('run.end', () => end !== null, 60_000, log);
      expect(end, JSON.stringify(end)).toMatchObject({ outcome: 'done' });
      expect(new Set(accepted).size).toBe(3);
      await until('heartbeat lines', () => /First heartbeat from demo-host-1/.test(stdout) && /First heartbeat from demo-host-2/.test(stdout), 20_000, log);
      api.close();

      p.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).toContain('Demo stopped');
      expect(fs.existsSync(dir)).toBe(false);
      expect(await sandboxLeftovers(dir)).toEqual([]);
      expect(stderr).toBe('');
    } finally {
      api?.close();
      if (p.exitCode === null) p.kill('SIGKILL');
      fs.rmSync(renderer, { recursive: true, force: true });
    }
  }, 120_000);
});
