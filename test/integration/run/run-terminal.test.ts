// The run terminal's path over a real sshd, as the runner wires it: an interactive step's channel
// (sshExecutor with a PTY) → RunTerminal → TerminalManager (flow control, streaming redaction) → a
// client that acknowledges slowly, so the channel is paused and resumed many times. Nothing may be
// lost or reordered (checksum), a secret is masked, and an interrupt during a flood drops the
// backlog ahead of it (the SSH window the paused channel holds) so the prompt comes back promptly.
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshExecutor } from '../../../electron/core/exec';
import { RunTerminal } from '../../../electron/core/run/terminal';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { connectSsh, type SshConnection } from '../../../electron/core/ssh';
import { TerminalManager } from '../../../electron/core/terminal/manager';
import { startHarness, stopAll, type Harness } from '../harness/sshd';
import { slowView } from '../harness/slow-view';
import { neverAsked, tempDir, trustingKnownHosts } from '../ssh/helpers';

let h: Harness;
let dir: string;
let conn: SshConnection;

beforeAll(async () => {
  dir = await tempDir('outpost-runterm-');
  await fsp.chmod(dir, 0o755);
  h = await startHarness();
  conn = await connectSsh({
    host: h.host,
    port: h.port,
    username: h.users.t1.name,
    auth: { password: h.users.t1.password },
    knownHosts: await trustingKnownHosts(dir, h.sshd),
    hostKeyPolicy: neverAsked,
  });
});
afterAll(async () => {
  conn?.end();
  await stopAll();
  await fsp.rm(dir, { recursive: true, force: true });
});

function startStep(command: string, secrets: SecretRegistry) {
  const terminal = new RunTerminal();
  const manager = new TerminalManager(secrets);
  const ab = new AbortController();
  // As runner.ts: whole-chunk masking on the way in; the manager's stream masks across chunks.
  const done = sshExecutor(conn).run('bash', command, {
    signal: ab.signal,
    timeoutMs: 120_000,
    interactive: true,
    onInput: (sink) => terminal.setSink(sink),
    onData: (t) => terminal.push(secrets.redact(t)),
  });
  return { terminal, manager, done, abort: () => ab.abort() };
}

describe('run terminal over SSH', () => {
  it('delivers exactly what the step printed, through many pauses (checksum), a split secret masked', async () => {
    const secret = 'SKrun-9f8e7d6c5b4a-SECRET';
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++) lines.push(`${i} ${'x'.repeat(i % 61)} é€😀 \x1b[1mb\x1b[0m ${i === 20_000 ? secret : ''}${'y'.repeat((i * 7) % 13)}\n`);
    const content = lines.join('');
    const file = path.join(dir, 'flood.txt');
    await fsp.writeFile(file, content);
    await fsp.chmod(file, 0o644);
    const secrets = new SecretRegistry();
    secrets.add(secret);
    const step = startStep(`printf 'BEGIN-%s\\n' $((6*7)); cat ${file}; printf 'END-%s\\n' $((6*7))`, secrets);
    const view = slowView(step.manager, 200_000);
    view.setId(step.manager.attach(view.client, step.terminal, 'run-t1'));
    const r = await step.done;
    step.terminal.end(r.exitCode);
    view.stop();
    const all = view.text();
    const start = all.indexOf('BEGIN-42\r\n') + 'BEGIN-42\r\n'.length;
    const body = all.slice(start, all.indexOf('END-42', start));
    const expected = content.replace(/\n/g, '\r\n').replace(secret, '****');
    expect(body.length).toBe(expected.length);
    expect(createHash('sha256').update(body).digest('hex')).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(all).not.toContain(secret);
  }, 120_000);

  it('Ctrl-C during a flood drops the backlog ahead of it, up to the echo: the prompt follows at once', async () => {
    const step = startStep('exec bash --norc --noprofile -i', new SecretRegistry());
    const view = slowView(step.manager, 64_000);
    const id = step.manager.attach(view.client, step.terminal, 'run-t2');
    view.setId(id);
    // Typed once the shell shows its prompt (the step's script reaches the host first, by SFTP).
    for (const t0 = Date.now(); !/\$ $/.test(view.text()) && Date.now() - t0 < 20_000; ) await new Promise((r) => setTimeout(r, 20));
    step.manager.write(id, 'yes outpost-flood\n');
    while (view.text().length < 3_000_000) await new Promise((r) => setTimeout(r, 20));
    const at = view.text().length;
    const t0 = Date.now();
    step.manager.write(id, '\x03');
    step.manager.write(id, 'echo after-$((2+3))\n');
    while (!/after-5\r?\n/.test(view.text().slice(at)) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 10));
    const after = view.text().slice(at);
    expect(after).toMatch(/after-5\r?\n/);
    // Without the flush the paused channel's 2 MB window (and the flow's unsent output) comes first;
    // with it, what was on its way is dropped too, up to the remote's "^C" echo.
    const floodAfter = after.slice(0, after.indexOf('^C'));
    expect(after).toContain('^C');
    expect(floodAfter.length).toBeLessThan(100_000);
    step.manager.write(id, 'exit\n');
    const r = await step.done;
    step.terminal.end(r.exitCode);
    view.stop();
  }, 60_000);
});
