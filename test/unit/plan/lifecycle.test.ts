// The check and uninstall plans (core/plan/lifecycle.ts), from the shipped examples: the check changes
// nothing (probe steps only, the tunnel's health a warning-only verdict), every shipped profile but
// nova-agent (issue 22's) has uninstall steps and a proof, and the tunnel's removal takes off only
// Outpost's own line, by a script that a real bash runs here on a copy of authorized_keys.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPlan, dropKeyLineScript, loadAnswersFile, repairPlan, uninstallPlan, untunnelPlan } from '../../../electron/core/plan';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { EXAMPLES, RESOURCES } from './helpers';

const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-lc-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
const planOf = (file: string) => {
  const r = loadAnswersFile(path.join(EXAMPLES, file));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return service.plan(r.answers);
};

describe('check plan', () => {
  it('logs in, checks the tunnel (a warning, so the hosts behind it are still checked) and runs verify; nothing else', () => {
    const plan = checkPlan(planOf('linux-jump.yaml'));
    expect(plan.lifecycle).toBe('check');
    expect(plan.steps.map((s) => s.id)).toEqual(['connect.jump0', 'check.tunnel.jump0', 'connect', 'verify']);
    // Read-only: probes only.
    expect(plan.steps.every((s) => s.action.kind === 'probe')).toBe(true);
    const tunnel = plan.steps.find((s) => s.id === 'check.tunnel.jump0');
    expect(tunnel).toMatchObject({ on: 'jump0', warnOnly: true });
    expect(tunnel?.action.kind === 'probe' && tunnel.action.probes.map((p) => p.kind)).toEqual(['tunnelHealthy']);
  });
});

describe('repair plan (the Installed view: Repair a jump server)', () => {
  it("the jump server's tunnel steps of the install (guarded), then the check: its tunnel, then each host's verify; nothing on the targets changes", () => {
    const install = planOf('linux-jump.yaml');
    const plan = repairPlan(install);
    expect(plan.lifecycle).toBe('repair');
    const tunnel = install.steps.filter((s) => s.on === 'jump0' && s.phase === 'tunnel').map((s) => s.id);
    expect(tunnel).toContain('tunnel.jump0');
    expect(plan.steps.map((s) => s.id)).toEqual(['connect.jump0', ...tunnel, 'check.tunnel.jump0', 'connect', 'verify']);
    // The forward step keeps its guard: a healthy tunnel is left as it is.
    expect(plan.steps.find((s) => s.id === 'tunnel.jump0')?.guard?.probes.length).toBeGreaterThan(0);
    expect(plan.steps.filter((s) => s.on === 'targets').every((s) => s.action.kind === 'probe')).toBe(true);
  });
});

describe('uninstall plan', () => {
  for (const file of ['linux-jump.yaml', 'windows-direct.yaml', 'aops-agent.yaml', 'tetra-relay.yaml', 'cloudpods-telegraf.yaml']) {
    it(`${file}: the profile's uninstall steps, then proof the agent is gone`, () => {
      const plan = uninstallPlan(planOf(file));
      expect(plan.lifecycle).toBe('uninstall');
      const ids = plan.steps.filter((s) => s.on === 'targets').map((s) => s.id);
      expect(ids[0]).toBe('connect');
      expect(ids.at(-1)).toBe('verify.removed');
      expect(ids.slice(1, -1).every((id) => /^uninstall(-|$)/.test(id))).toBe(true);
      expect(ids.length).toBeGreaterThan(2);
      for (const s of plan.steps.filter((x) => /^uninstall/.test(x.id))) expect(s).toMatchObject({ optional: false, warnOnly: true });
      const proof = plan.steps.at(-1);
      expect(proof?.action).toMatchObject({ kind: 'probe', expect: 'absent' });
      expect(proof?.action.kind === 'probe' && proof.action.probes.some((p) => p.kind === 'tunnelTraffic')).toBe(false);
    });
  }
  it('tetra-relay removes the container, then the image', () => {
    const plan = uninstallPlan(planOf('tetra-relay.yaml'));
    expect(plan.steps.filter((s) => /^uninstall/.test(s.id)).map((s) => s.display)).toEqual([expect.stringMatching(/docker rm -f/), expect.stringMatching(/docker image rm/)]);
  });
  it('the tunnel removal: one step per jump server (and its proxy for a remote tunnel)', () => {
    expect(untunnelPlan(planOf('linux-jump.yaml')).steps.map((s) => `${s.id}@${s.on}`)).toEqual(['connect.jump0@jump0', 'untunnel.jump0@jump0']);
    expect(untunnelPlan(planOf('cloudpods-telegraf.yaml')).steps.map((s) => `${s.id}@${s.on}`)).toEqual(['connect.jump0@jump0', 'connect.proxy0@proxy0', 'untunnel.proxy0@proxy0', 'untunnel.jump0.rkey@jump0']);
    expect(() => untunnelPlan(planOf('linux-direct.yaml'))).toThrow(/no tunnel/);
  });
});

describe("authorized_keys: only Outpost's line goes", () => {
  it('keeps every other line byte for byte, leaves no backup, and is a no-op without our line', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-ak-'));
    fs.mkdirSync(path.join(home, '.ssh'));
    const others = 'ssh-ed25519 AAAAone a@b\n# a comment outpost-tunnel:icagent-not-ours x\nssh-rsa AAAAtwo outpost-tunnel:icagentX\n';
    const ak = path.join(home, '.ssh', 'authorized_keys');
    fs.writeFileSync(ak, `ssh-ed25519 AAAAone a@b\nrestrict,port-forwarding ssh-ed25519 AAAAours outpost-tunnel:icagent\n# a comment outpost-tunnel:icagent-not-ours x\nssh-rsa AAAAtwo outpost-tunnel:icagentX\n`, { mode: 0o600 });
    const run = () => execFileSync('bash', ['-s'], { input: dropKeyLineScript('outpost-tunnel:icagent'), env: { HOME: home, PATH: process.env.PATH }, encoding: 'utf8' });
    expect(run()).toMatch(/line outpost-tunnel:icagent removed/);
    expect(fs.readFileSync(ak, 'utf8')).toBe(others);
    expect(fs.readdirSync(path.join(home, '.ssh'))).toEqual(['authorized_keys']);
    expect(fs.statSync(ak).mode & 0o777).toBe(0o600);
    expect(run()).toMatch(/no line of Outpost's/);
    expect(fs.readFileSync(ak, 'utf8')).toBe(others);
    fs.rmSync(home, { recursive: true, force: true });
  });
});
