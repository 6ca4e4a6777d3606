// The jump server's authorized_keys edit, run for real in bash with ssh-keygen, in a throwaway HOME:
// it derives the public key from the private one, refuses an empty or broken key (an empty public key
// would match every line and wipe the file: root lockout), touches only Outpost's own line, keeps a
// backup, and is a no-op the second time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderStep } from '../../../electron/core/plan';
import { runLocal } from '../../../electron/core/exec/local-spawn';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { example, RESOURCES } from './helpers';

const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-auth-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
const plan = service.plan(example('linux-jump.yaml'));
const stepText = (id: string) => {
  const s = plan.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return renderStep(s, 'exec', () => undefined) ?? '';
};

const OTHER_KEYS = ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOfTheAdmin0000000000000000000000 admin@laptop', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCx root@backup'];

function home(): string {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-jump-home-'));
  fs.mkdirSync(path.join(h, '.ssh'), { mode: 0o700 });
  fs.writeFileSync(path.join(h, '.ssh', 'authorized_keys'), `${OTHER_KEYS.join('\n')}\n`, { mode: 0o600 });
  return h;
}

async function run(h: string, text: string): Promise<{ exitCode: number | null; out: string }> {
  let out = '';
  const r = await runLocal('bash', text, { env: { ...process.env, HOME: h }, cwd: h, onData: (t) => (out += t), signal: new AbortController().signal, timeoutMs: 20_000 });
  return { exitCode: r.exitCode, out };
}

const authorizedKeys = (h: string) => fs.readFileSync(path.join(h, '.ssh', 'authorized_keys'), 'utf8');

describe("the tunnel key's authorized_keys line", () => {
  it('adds exactly one restricted line for the key, keeps every other line and a backup, and is idempotent', async () => {
    const h = home();
    expect((await run(h, stepText('tunnel.jump0.key'))).out).toContain('key created');
    const r = await run(h, stepText('tunnel.jump0.authorize'));
    expect(r.exitCode, r.out).toBe(0);
    const pub = execFileSync('ssh-keygen', ['-y', '-f', path.join(h, '.ssh', 'outpost_tunnel_icagent_ed25519')], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ');
    const lines = authorizedKeys(h).trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(OTHER_KEYS);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^restrict,port-forwarding,command="\/bin\/false",from="192\.168\.0\.10,127\.0\.0\.1,::1",permitopen="100\.125\.12\.150:8149",.*,permitlisten="127\.0\.0\.1:1" /);
    expect(lines[2]?.endsWith(`${pub} outpost-tunnel:icagent`)).toBe(true);
    expect(fs.readFileSync(path.join(h, '.ssh', 'authorized_keys.outpost-backup'), 'utf8')).toBe(`${OTHER_KEYS.join('\n')}\n`);
    const again = await run(h, stepText('tunnel.jump0.authorize'));
    expect(again.out).toContain('authorized_keys unchanged');
    expect(authorizedKeys(h).trim().split('\n')).toEqual(lines);
  });

  it('refuses an empty tunnel key (and an empty .pub beside it) without touching authorized_keys', async () => {
    const h = home();
    fs.writeFileSync(path.join(h, '.ssh', 'outpost_tunnel_icagent_ed25519'), '', { mode: 0o600 });
    fs.writeFileSync(path.join(h, '.ssh', 'outpost_tunnel_icagent_ed25519.pub'), '');
    const before = authorizedKeys(h);
    const r = await run(h, stepText('tunnel.jump0.authorize'));
    expect(r.exitCode).not.toBe(0);
    expect(authorizedKeys(h)).toBe(before);
    expect(fs.existsSync(path.join(h, '.ssh', 'authorized_keys.outpost-backup'))).toBe(false);
  });

  it('replaces only its own older line (same comment), never a line that merely contains the comment text', async () => {
    const h = home();
    const decoy = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDecoy000000000000000000000000000000000000 outpost-tunnel:icagent-but-not-ours';
    fs.appendFileSync(path.join(h, '.ssh', 'authorized_keys'), `restrict ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOld0000000000000000000000000000000000000 outpost-tunnel:icagent\n${decoy}\n`);
    await run(h, stepText('tunnel.jump0.key'));
    expect((await run(h, stepText('tunnel.jump0.authorize'))).exitCode).toBe(0);
    const lines = authorizedKeys(h).trim().split('\n');
    expect(lines.filter((l) => l.endsWith(' outpost-tunnel:icagent'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('IOld000'))).toBe(false);
    expect(lines).toContain(decoy);
    expect(lines.slice(0, 2)).toEqual(OTHER_KEYS);
  });
});
