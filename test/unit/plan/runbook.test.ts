// Copy means runnable: every runbook script of every example plan passes `bash -n` and shellcheck, and so
// does what each step's Copy button copies (logins as ssh, checks as one-liners, run-time values as
// variables with a `# fill in` line, or the verified value when known).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../electron/common/api';
import { runnableText } from '../../../electron/common/copy-text';
import { silentLogger } from '../../../electron/core/log/logger';
import { runbook } from '../../../electron/core/plan/runbook';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { EXAMPLES, example, RESOURCES } from './helpers';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-runbook-'));
const service = new OutpostService({ dataDir, resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
const examples = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
const plans: Array<[string, Plan]> = examples.map((f) => [f, service.plan(example(f))]);

/**
 * bash -n and shellcheck's findings for a script (empty when clean). A single step's copy may source the
 * vendor's installer, which exists only on the host (SC1091: shellcheck cannot follow it); the runbook
 * scripts say so themselves with a directive.
 */
function check(text: string, exclude: string[] = []): string {
  const file = path.join(dataDir, `s-${Math.random().toString(36).slice(2)}.sh`);
  fs.writeFileSync(file, text.startsWith('#!') ? text : `#!/usr/bin/env bash\n${text}\n`);
  const n = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
  const sc = spawnSync('shellcheck', ['-f', 'gcc', ...exclude.flatMap((e) => ['-e', e]), file], { encoding: 'utf8' });
  return `${n.stderr}${sc.stdout}${sc.stderr}`.trim();
}

describe('runbook scripts', () => {
  it('shellcheck is installed (test/setup-system.mjs)', () => {
    expect(execFileSync('shellcheck', ['--version'], { encoding: 'utf8' })).toMatch(/version/);
  });

  it.each(plans)('%s: every bash script passes bash -n and shellcheck', (_name, plan) => {
    const files = runbook(plan, (s) => s.display).filter((f) => f.name.endsWith('.sh'));
    for (const f of files) expect({ file: f.name, findings: check(f.text) }).toEqual({ file: f.name, findings: '' });
  });

  it('the checker finds what it must: the old placeholder form fails bash -n', () => {
    expect(check('set -- outpost-tunnel-self <hostkey.jump0> ; echo x')).toMatch(/syntax error/);
  });

  it('the targets script loops over the hosts with ssh (-J through the jump server), steps in subshells, no set -euo pipefail', () => {
    const plan = service.plan({ ...example('linux-jump.yaml'), targets: [{ host: '10.1.0.21', user: 'root', port: 22, password: { env: 'TARGET_PASSWORD' } }, { host: '10.1.0.22', user: 'ops', port: 2222, password: { env: 'TARGET_PASSWORD' } }] });
    const text = runbook(plan, (s) => s.display).find((f) => f.name === '2-targets.sh')?.text ?? '';
    expect(text).toContain("hosts=('root@10.1.0.21:22,root@192.168.0.10:22' 'ops@10.1.0.22:2222,root@192.168.0.10:22')");
    expect(text).toContain('for h in "${hosts[@]}"; do');
    expect(text).toMatch(/\| ssh -p "\$\{dest##\*:\}" \$\{jump:\+-J "\$jump"\} "\$\{dest%:\*\}"/);
    expect(text).not.toMatch(/set -[a-z]*e[a-z]*u|pipefail/);
    expect(text).toMatch(/\(\n {4}set \+o history;.*\n {2}\) \|\| \{ echo 'OUTPOST step \d+ \[install\] failed' >&2; return 1; \}/);
    expect(check(text)).toBe('');
  });

  it('a jump server script sets the host key Outpost verified, or says to fill it in', () => {
    const plan = service.plan(example('linux-jump.yaml'));
    const jump = (known?: Record<string, string>) => runbook(plan, (s) => s.display, known).find((f) => f.name === '1-jump-server-1.sh')?.text ?? '';
    expect(jump()).toMatch(/^# fill in the host key Outpost verified for jump server 1 .*OUTPOST_HOSTKEY_JUMP0=/m);
    expect(jump()).toContain(': "${OUTPOST_HOSTKEY_JUMP0:?fill in OUTPOST_HOSTKEY_JUMP0 first}"');
    expect(jump()).toContain('set -- outpost-tunnel-self "$OUTPOST_HOSTKEY_JUMP0"');
    const known = jump({ 'hostkey.jump0': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTheTest' });
    expect(known).toContain("OUTPOST_HOSTKEY_JUMP0='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTheTest'");
    expect(known).not.toContain('fill in');
    expect(check(known)).toBe('');
    // With the placeholder unfilled, the script stops before the first step, saying what to fill in.
    const file = path.join(dataDir, 'jump.sh');
    fs.writeFileSync(file, jump());
    const r = spawnSync('bash', [file], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dataDir } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('OUTPOST_HOSTKEY_JUMP0: fill in OUTPOST_HOSTKEY_JUMP0 first');
    expect(fs.existsSync(path.join(dataDir, '.outpost'))).toBe(false);
  });
});

describe('Copy texts', () => {
  it.each(plans.filter(([, p]) => p.os === 'linux'))('%s: every step but console instructions copies bash that passes bash -n and shellcheck', (_name, plan) => {
    for (const s of plan.steps.filter((x) => x.action.kind !== 'instruction')) {
      expect({ step: s.id, findings: check(runnableText(s, plan), ['SC1091']) }).toEqual({ step: s.id, findings: '' });
    }
  });

  it('Connect copies ssh -p PORT user@host, with -J for the jump server; checks copy pgrep/ss/test lines', () => {
    const plan = service.plan(example('linux-jump.yaml'));
    const step = (id: string) => {
      const s = plan.steps.find((x) => x.id === id);
      if (!s) throw new Error(`no step ${id}`);
      return s;
    };
    expect(runnableText(step('connect'), plan)).toBe('ssh -p 22 -J root@192.168.0.10:22 root@10.1.0.21');
    expect(runnableText(step('connect.jump0'), plan)).toBe('ssh -p 22 root@192.168.0.10');
    const verify = runnableText(step('verify'), plan);
    expect(verify).toContain('test -d /opt/oss/servicemgr/ICAgent/bin');
    expect(verify).toContain('pgrep -af -- /opt/oss/servicemgr/ICAgent/bin/');
    expect(verify).toContain("ss -tnp state established '( dport = :30200 or dport = :30201 )' | grep -F icagent");
    expect(runnableText(step('ports.jump0'), plan)).toMatch(/^ss -ltn '\( sport = :8149 or /);
  });
});
