// The host terminal's path over a real sshd (the login shell the Result page and the Installed view
// open): openSshShellTo → TerminalManager (flow control) → a client that acknowledges slowly, so the
// channel is paused and resumed many times. Nothing may be lost or reordered (checksum); Ctrl-C during
// a `yes` flood drops what the paused channel holds and what is on its way up to the remote's "^C"
// echo (the same InterruptDiscard as a run step's terminal), says so, and the prompt follows at once.
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../electron/core/log/logger';
import type { KnownHosts } from '../../../electron/core/ssh';
import { skippedNote } from '../../../electron/core/terminal/interrupt';
import { TerminalManager } from '../../../electron/core/terminal/manager';
import { openSshShellTo } from '../../../electron/core/terminal/ssh-shell';
import type { TerminalSource } from '../../../electron/core/terminal/source';
import { startHarness, stopAll, type Harness } from '../harness/sshd';
import { slowView } from '../harness/slow-view';
import { tempDir, trustingKnownHosts } from './helpers';

let h: Harness;
let dir: string;
let knownHosts: KnownHosts;

beforeAll(async () => {
  dir = await tempDir('outpost-hostterm-');
  await fsp.chmod(dir, 0o755);
  h = await startHarness();
  knownHosts = await trustingKnownHosts(dir, h.sshd);
});
afterAll(async () => {
  await stopAll();
  await fsp.rm(dir, { recursive: true, force: true });
});

const until = async (ok: () => boolean, ms: number) => {
  for (const t0 = Date.now(); !ok() && Date.now() - t0 < ms; ) await new Promise((r) => setTimeout(r, 10));
};

async function openHostShell(perTick: number) {
  const source: TerminalSource = await openSshShellTo(
    { label: 'loopback', target: { host: h.host, port: h.port, username: h.users.t1.name, auth: { password: h.users.t1.password } }, via: [] },
    { cols: 120, rows: 30 },
    { knownHosts, log: silentLogger },
  );
  const manager = new TerminalManager();
  const view = slowView(manager, perTick);
  const id = manager.attach(view.client, source, `host-${perTick}`);
  view.setId(id);
  // A prompt the command line's echo cannot contain.
  manager.write(id, "PS1='$((40+2))-ready> '\n");
  await until(() => view.text().includes('42-ready> '), 20_000);
  expect(view.text()).toContain('42-ready> ');
  return { manager, view, id, source };
}

describe('host terminal over SSH', () => {
  it('delivers exactly what the host printed, through many pauses (checksum)', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++) lines.push(`${i} ${'x'.repeat(i % 61)} é€😀 \x1b[1mb\x1b[0m ${'y'.repeat((i * 7) % 13)}\n`);
    const content = lines.join('');
    const file = path.join(dir, 'flood.txt');
    await fsp.writeFile(file, content);
    await fsp.chmod(file, 0o644);
    const { manager, view, id } = await openHostShell(200_000);
    manager.write(id, `printf 'BEGIN-%s\\n' $((6*7)); cat ${file}; printf 'END-%s\\n' $((6*7))\n`);
    await until(() => view.text().includes('END-42'), 60_000);
    const all = view.text();
    const start = all.indexOf('BEGIN-42\r\n') + 'BEGIN-42\r\n'.length;
    const body = all.slice(start, all.indexOf('END-42', start));
    const expected = content.replace(/\n/g, '\r\n');
    expect(body.length).toBe(expected.length);
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
    manager.close(id);
    view.stop();
  }, 90_000);

  it('Ctrl-C during a flood drops the backlog ahead of it, up to the echo, says so, and the prompt follows at once', async () => {
    const { manager, view, id } = await openHostShell(64_000);
    manager.write(id, 'yes outpost-flood\n');
    await until(() => view.text().length > 3_000_000, 30_000);
    const at = view.text().length;
    manager.write(id, '\x03');
    manager.write(id, 'echo after-$((2+3))\n');
    await until(() => /after-5\r?\n/.test(view.text().slice(at)), 20_000);
    const after = view.text().slice(at);
    expect(after).toMatch(/after-5\r?\n/);
    // Without the discard the paused channel's window (up to ~4 MB with its stream buffer) comes first.
    expect(after).toContain('^C');
    expect(after.slice(0, after.indexOf('^C')).length).toBeLessThan(100_000);
    expect(after).toContain(skippedNote('^C'));
    manager.close(id);
    view.stop();
  }, 60_000);
});
