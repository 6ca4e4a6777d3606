// The Ansible export's mapping, action kind by action kind: the tasks each step becomes, that they are
// judged by the plan's own markers and checks, that what cannot be reproduced faithfully is refused
// naming the step, and that no secret value is written anywhere.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../electron/common/api';
import { OutpostError } from '../../../electron/core/errors';
import { exportAnsible, writeExport } from '../../../electron/core/export';
import { envNameOf, escapeLiteral, hostSentinel, toJinja, lit, expr } from '../../../electron/core/actions/jinja';
import { INI_MODULE } from '../../../electron/core/actions/ini-module';
import { loadAnswersFile } from '../../../electron/core/plan';
import { editIniText } from '../../../electron/core/actions';
import { prepareBatch } from '../../../electron/core/service';
import { allTasks, examplePlan, exportOf, hasAnsiblePython, KEY, playbook, PYTHON, RESOURCES, service, task } from './helpers';

const KS = `schema: 2
id: ks
name: Kitchen sink
description: Every action kind.
os: [linux]
connectivity: [direct]
inputs:
  - { name: token, type: secret, required: true, label: { en: Token } }
  - { name: pkg, type: path, required: true, label: { en: Package } }
  - { name: pkgSha, type: string, required: true, label: { en: SHA-256 } }
linux:
  shell: bash
  installDir: /opt/ks
  steps:
    - id: conf-file
      phase: install
      title: { en: Write the config }
      action:
        writeFile:
          path: "{installDir}/sub/conf.json"
          mode: 0o600
          transient: true
          escape: json
          content: ['{"token": "', { secret: token }, '", "host": "{host.name}"}']
    - id: use-conf
      phase: install
      title: { en: Use the config }
      action: { exec: { root: false, script: [cat, "{installDir}/sub/conf.json"], success: [token] } }
    - id: ini
      phase: install
      title: { en: Edit the ini }
      action: { editIni: { path: "{installDir}/agent.conf", set: [{ section: agent, key: ip, value: "{host.address}" }] } }
    - id: upload
      phase: transfer
      title: { en: Upload }
      action: { upload: { from: "{pkg}", to: "{installDir}/pkg.tar.gz", sha256: "{pkgSha}", mode: 0o644 } }
    - id: unpack
      phase: transfer
      title: { en: Unpack }
      action: { unpack: { archive: "{installDir}/pkg.tar.gz", dest: "{installDir}/unpacked", format: tar.gz } }
    - id: install
      phase: install
      title: { en: Install }
      guard: verify
      action:
        exec:
          script: [{ op: "echo '{{ not jinja }}' {%x%};" }, run-it, { secret: token }]
          success: ["installed"]
          failure: ["install failed"]
          diagnosis: [{ pattern: 'curl: \\(\\d+\\)', code: download_failed, hint: "Download failed." }]
  verify:
    - { command: { name: marker, script: [test, -s, "{installDir}/unpacked/a.txt"], exitCode: 0 } }
    - { process: { name: ks, match: "{installDir}/bin/ks" } }
`;
const SHA = 'a'.repeat(64);

function ksPlan(patch: (p: string) => string = (p) => p): Plan {
  return service({ 'ks.yaml': patch(KS) }).plan({
    profile: 'ks',
    os: 'linux',
    connectivity: { mode: 'direct', accessIp: '10.0.0.1' },
    inputs: { token: { env: 'KS_TOKEN' }, pkg: '/srv/pkg.tar.gz', pkgSha: SHA },
    targets: [{ host: '10.0.0.21', port: 22, user: 'root', name: 'web-1', privateKey: { path: '~/.ssh/id_ed25519' } }],
  });
}
const ksPackages = { byLocal: new Map([['/srv/pkg.tar.gz', SHA]]), byRemote: new Map([['/opt/ks/pkg.tar.gz', SHA]]), checkedArchives: new Set(['/opt/ks/pkg.tar.gz']) };

function refusal(f: () => unknown): OutpostError {
  try {
    f();
  } catch (err) {
    if (err instanceof OutpostError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('Ansible export of the ICAgent plan (Linux, jump server)', () => {
  const plan = examplePlan('linux-jump.yaml');
  const x = exportOf(plan);

  it('writes the inventory, the playbook, known_hosts, README and the templates', () => {
    for (const f of ['inventory.yml', 'site.yml', 'known_hosts', 'README.md', 'ansible.cfg', 'group_vars/all.yml', 'templates/install.sh.j2']) expect(Object.keys(x.files)).toContain(f);
    expect(playbook(x).map((p) => p.hosts)).toEqual(['all', 'jump0', 'outpost_targets']);
  });

  it('names tasks by the plan step ids, in plan order, on the hosts the plan says', () => {
    const plays = playbook(x);
    const names = (i: number) => (plays[i]?.tasks ?? []).map((t) => String(t.name).replace(/^!unsafe /, ''));
    const firstIndex = (i: number, id: string) => names(i).findIndex((n) => n.startsWith(`${id}:`));
    expect(firstIndex(0, 'sg-rule')).toBeGreaterThan(-1);
    const jumpIds = plan.steps.filter((s) => s.on === 'jump0').map((s) => s.id);
    const jumpAt = jumpIds.map((id) => firstIndex(1, id));
    expect(jumpAt.every((n) => n >= 0)).toBe(true);
    expect([...jumpAt].sort((a, b) => a - b)).toEqual(jumpAt);
    const targetIds = plan.steps.filter((s) => s.on === 'targets' && !s.optional).map((s) => s.id);
    const targetAt = targetIds.map((id) => firstIndex(2, id));
    expect(targetAt.every((n) => n >= 0), targetIds.join()).toBe(true);
    expect([...targetAt].sort((a, b) => a - b)).toEqual(targetAt);
  });

  it('runs exec steps as bash -s with the script on stdin, judged by the same markers, secrets from the environment', () => {
    const t = task(x, 'install: Install Huawei Cloud LTS ICAgent on the target');
    expect(t['ansible.builtin.command']).toEqual({ argv: ['bash', '-s'], stdin: "{{ lookup('ansible.builtin.template', 'install.sh.j2', convert_data=False) }}" });
    expect(t).toMatchObject({ no_log: true, failed_when: false, changed_when: true, timeout: 900, become: '{{ outpost_sudo | default(false) | bool }}' });
    expect(t.when).toContain('not (outpost_guard_');
    const script = x.files['templates/install.sh.j2'] ?? '';
    expect(script).toContain("-ak {{ lookup('ansible.builtin.env', 'OUTPOST_AK') | quote }} -sk {{ lookup('ansible.builtin.env', 'OUTPOST_SK') | quote }}");
    expect(script).toMatch(/\} 2>&1\n$/);
    const judge = task(x, 'install (result)');
    const step = plan.steps.find((s) => s.id === 'install');
    if (step?.action.kind !== 'exec') throw new Error('install is not exec');
    const vars = judge.vars as Record<string, string[]>;
    expect(vars.outpost_failure).toEqual(step.action.failureMarkers.map((m) => `!unsafe ${m}`));
    expect(vars.outpost_success).toEqual((step.action.success.markers ?? []).map((m) => `!unsafe ${m}`));
    expect(JSON.stringify(judge['ansible.builtin.assert'])).toContain("outpost_failure | select('in'");
    expect(x.env.map((e) => e.name)).toEqual(['OUTPOST_AK', 'OUTPOST_SK']);
  });

  it('evaluates a guard once with the same checks and skips the guarded steps when they all pass', () => {
    const check = allTasks(x).filter((t) => String(t.name).includes('(already done? '));
    // The tunnel's guard on the jump server; the install's on the targets (the installer's upload and the
    // cleanups after it run whatever the guard says: a reinstall needs the upload, leftovers go anyway).
    expect(check.map((t) => String(t.name).split(' ')[0])).toEqual(['tunnel.jump0.hostkey', 'install']);
    expect(task(x, 'install (already done? Huawei Cloud LTS ICAgent is already installed and running)').when).toBe('outpost_guard_2 is not defined and not (outpost_reinstall | default(false) | bool)');
    const guard = x.files['templates/guard-2.sh.j2'] ?? '';
    expect(guard).toContain("outpost_check pass 'ICAgent files'");
    expect(guard).toContain("outpost_check FAIL 'process icagent'");
    expect(task(x, 'cleanup: Remove an installer an earlier version left in the login folder').when).toBeUndefined();
  });

  it('sets up the persistent tunnel on the jump server as outpost run does, the verified host key filled in', () => {
    const script = x.files['templates/tunnel.jump0.sh.j2'] ?? '';
    expect(script).toContain('outpost-tunnel-icagent.service');
    expect(script).toContain('ssh -f -E "$log"');
    expect(script).toContain('-i "$HOME"/.ssh/outpost_tunnel_icagent_ed25519');
    expect(x.files['templates/tunnel.jump0.hostkey.sh.j2']).toContain("{{ hostvars['jump0'].outpost_hostkey | quote }}");
    expect(x.files['inventory.yml']).toContain(`outpost_hostkey: !unsafe ${KEY.line}`);
  });

  it('prints the console steps first, and checks the secrets and host key checking before anything runs', () => {
    const first = playbook(x)[0];
    expect(first).toMatchObject({ any_errors_fatal: true, gather_facts: false });
    const sg = task(x, 'sg-rule: Add the security group rule for the jump servers (by hand)');
    expect(sg).toMatchObject({ run_once: true });
    expect((sg['ansible.builtin.debug'] as { msg: string[] }).msg[0]).toMatch(/^Manual step: In the cloud console/);
    expect(JSON.stringify(task(x, 'Outpost: host key checking is on'))).toContain("lookup('ansible.builtin.config', 'HOST_KEY_CHECKING') | bool");
  });

  it('keeps host key checking on: known_hosts, StrictHostKeyChecking=yes, the jump hop with the same options', () => {
    const inv = x.files['inventory.yml'] ?? '';
    expect(inv).toContain('-o StrictHostKeyChecking=yes -o UserKnownHostsFile={{ (inventory_dir ~ \'/known_hosts\') | quote }} -o GlobalKnownHostsFile=/dev/null');
    // The hop's address, user and key are in ssh_config (data), not in the shlex-parsed ProxyCommand.
    expect(inv).toContain(`ProxyCommand="ssh -F {{ (inventory_dir ~ '/ssh_config') | quote }} -o StrictHostKeyChecking=yes -o UserKnownHostsFile={{ (inventory_dir ~ '/known_hosts') | quote }} -o GlobalKnownHostsFile=/dev/null -W '[%h]:%p' outpost-hop-jump0"`);
    expect(x.files['ssh_config']).toContain('Host outpost-hop-jump0\n  HostName 192.168.0.10\n  Port 22\n  User root\n');
    expect(x.files['known_hosts']).toContain(`192.168.0.10 ${KEY.line}`);
    expect(x.files['known_hosts']).toContain(`10.1.0.21 ${KEY.line}`);
  });

  it('lists the hosts without a verified key', () => {
    const y = exportOf(plan, { hostKeys: { jump0: [KEY] } });
    expect(y.hostsWithoutKey.map((h) => h.id)).toEqual(['target0']);
    expect(y.files['known_hosts']).toContain('# 10.1.0.21: NO VERIFIED HOST KEY');
    expect(y.files['README.md']).toContain('**1 host has no verified host key**');
  });

  it('says how to give SSH passwords and which variables hold the secrets', () => {
    const readme = x.files['README.md'] ?? '';
    expect(readme).toContain('ansible-playbook site.yml --ask-pass');
    expect(readme).toContain('ansible-vault create group_vars/outpost_targets/vault.yml');
    expect(readme).toContain('| `OUTPOST_AK` |');
    expect(x.passwordHosts).toEqual(['jump0', '10.1.0.21']);
    expect(x.warnings.join()).toMatch(/logs in with a password: .* ssh-agent/);
  });
});

describe('each action kind maps to its Ansible module', () => {
  const plan = ksPlan();
  const x = exportOf(plan, { packages: ksPackages });

  it('writeFile: template with the mode, secrets JSON-escaped from the environment, a transient file removed whatever happens', () => {
    const t = task(x, 'conf-file: Write the config');
    expect(t['ansible.builtin.template']).toEqual({ src: 'conf-file.j2', dest: '/opt/ks/sub/conf.json', mode: '0600' });
    expect(t.no_log).toBe(true);
    expect(x.files['templates/conf-file.j2']).toBe(`{{ '{' }}"token": "{{ (lookup('ansible.builtin.env', 'KS_TOKEN') | to_json(ensure_ascii=False))[1:-1] }}", "host": "{{ outpost_host_name }}"}`);
    const block = allTasks(x).find((k) => Array.isArray(k.block) && String(k.name).startsWith('conf-file'));
    expect(block?.block?.map((k) => String(k.name))).toEqual(['conf-file (folder)', 'conf-file: Write the config', 'use-conf: Use the config', 'use-conf (result)']);
    expect(block?.always?.[0]).toMatchObject({ 'ansible.builtin.file': { path: '/opt/ks/sub/conf.json', state: 'absent' } });
  });

  it('editIni: the outpost_ini module shipped in library/, per-host values as inventory variables', () => {
    expect(task(x, 'ini: Edit the ini').outpost_ini).toEqual({ path: '/opt/ks/agent.conf', set: [{ section: 'agent', key: 'ip', value: '{{ outpost_host_address }}' }] });
    expect(x.files['library/outpost_ini.py']).toBe(INI_MODULE);
    expect(x.files['inventory.yml']).toContain('outpost_host_address: !unsafe 10.0.0.21');
  });

  it('upload: copy, the SHA-256 checked on this computer first and on the host after', () => {
    expect(task(x, 'upload: Upload')['ansible.builtin.copy']).toEqual({ src: '/srv/pkg.tar.gz', dest: '/opt/ks/pkg.tar.gz', mode: '0644' });
    expect(task(x, 'upload (SHA-256 of /srv/pkg.tar.gz on this computer)')).toMatchObject({ delegate_to: 'localhost', run_once: true });
    expect(JSON.stringify(task(x, 'upload (result)'))).toContain(`checksum | default('') == '${SHA}'`);
  });

  it('unpack: the runner\'s unzip/tar, after the archive\'s SHA-256 is the checked one', () => {
    expect(x.files['templates/unpack.sh.j2']).toContain(`printf '%s  %s\\n' ${SHA} "$a" | sha256sum -c --status -`);
    expect(x.files['templates/unpack.sh.j2']).toContain('tar -xzf "$a" -C "$d" --no-same-owner');
  });

  it('probe: the verify checks as a script, judged by FAIL lines; a command probe keeps its exit code', () => {
    const v = x.files['templates/verify.check.sh.j2'] ?? '';
    expect(v).toContain('test -s /opt/ks/unpacked/a.txt');
    expect(v).toContain('if [ "$rc" = 0 ]; then eok=1');
    expect(JSON.stringify(task(x, 'verify (result)'))).toContain("select('match', '^FAIL ')");
  });

  it('Jinja in a script reaches the host as written', () => {
    const s = x.files['templates/install.sh.j2'] ?? '';
    expect(s).toContain("echo '{{ '{' }}{{ '{' }} not jinja }}' {{ '{' }}%x%};");
  });

  it('refuses an unpack of an archive it could not check, naming the step', () => {
    const e = refusal(() => exportOf(plan));
    expect(e.code).toBe('export.unmappable');
    expect(e.message).toMatch(/^Step upload: /);
    const f = refusal(() => exportOf(plan, { packages: { ...ksPackages, checkedArchives: new Set() } }));
    expect(f.message).toMatch(/^Step unpack: .* its entries cannot be checked/);
  });

  it('refuses an interactive command, naming the step', () => {
    const p = ksPlan((t) => t.replace('action: { exec: { root: false, script: [cat', 'action: { exec: { interactive: true, root: false, script: [cat'));
    expect(refusal(() => exportOf(p, { packages: ksPackages })).message).toMatch(/^Step use-conf: it needs a person at a terminal/);
  });
});

describe('what the export refuses', () => {
  it('Windows plans (cmd, PowerShell): no faithful mapping, the step named', () => {
    const e = refusal(() => exportOf(examplePlan('windows-jump.yaml')));
    expect(e.code).toBe('export.unmappable');
    expect(e.message).toMatch(/^Step [\w.-]+: the plan installs on windows hosts/);
  });

  it("the vendor's one-off tunnel (a password typed into a terminal)", () => {
    const p = examplePlan('linux-jump.yaml', (a) => ((a.connectivity as Record<string, unknown>).tunnel = 'vendor'));
    expect(refusal(() => exportOf(p)).message).toMatch(/^Step tunnel\.jump0: the vendor tunnel/);
  });

  it('nothing is half-written: the refusal comes before any file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-export-refused-'));
    expect(() => writeExport(dir, exportOf(examplePlan('windows-jump.yaml')).files)).toThrow(OutpostError);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('secrets', () => {
  it('a stored secret (the wizard) is read from OUTPOST_SECRET_<KEY> as outpost run reads it, an { env } one from its own name', () => {
    expect(envNameOf({ env: 'MY_AK' }, 'inputs.ak')).toBe('MY_AK');
    expect(envNameOf({ stored: 'icagent.ak.1a2b3c4d' }, 'inputs.ak')).toBe('OUTPOST_SECRET_ICAGENT_AK_1A2B3C4D');
    expect(envNameOf({ stored: 'aops.x' }, 'inputs.webPassword')).toBe('OUTPOST_SECRET_AOPS_X');
  });

  it('no secret value anywhere: host list passwords, agent secrets', () => {
    const r = loadAnswersFile(path.join(RESOURCES, 'examples', 'linux-jump.yaml'));
    if (!r.ok) throw new Error('answers');
    const pw = 'Hunter2-list-password!';
    const t = prepareBatch(service(), { answers: r.answers, hosts: { text: `host,port,user,password,name\n10.0.0.7,22,root,${pw},db-1\n10.0.0.8,22,root,,db-2\n`, name: 'hosts.csv' }, port: 22, env: {} });
    if (!t.ok) throw new Error(t.problems.join());
    const p = t.plan;
    const x = exportOf(p);
    for (const [f, text] of Object.entries(x.files)) expect(text.includes(pw), f).toBe(false);
    expect(x.passwordHosts).toContain('db-1');
    expect(JSON.stringify(p)).not.toContain(pw);
  });

  it('masks every secret of the plan, as is and JSON-escaped, in what the playbook prints', () => {
    const x = exportOf(ksPlan(), { packages: ksPackages });
    expect(x.files['group_vars/all.yml']).toContain("outpost_mask: \"{{ [(((lookup('ansible.builtin.env', 'KS_TOKEN') | to_json(ensure_ascii=False))[1:-1]) | to_json(ensure_ascii=False))[1:-1], (lookup('ansible.builtin.env', 'KS_TOKEN') | to_json(ensure_ascii=False))[1:-1], lookup('ansible.builtin.env', 'KS_TOKEN')]");
    expect(JSON.stringify(task(x, 'use-conf (result)'))).toContain("regex_replace(outpost_mask, '****')");
  });
});

describe('writing the folder', () => {
  it('refuses a folder with files of someone else; replaces only its own files on a new export', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-export-write-'));
    fs.writeFileSync(path.join(dir, 'inventory.yml'), 'mine');
    expect(() => writeExport(dir, { 'a.txt': 'x' })).toThrow(/not empty and holds no earlier Outpost export/);
    expect(fs.readFileSync(path.join(dir, 'inventory.yml'), 'utf8')).toBe('mine');
    const out = path.join(dir, 'export');
    writeExport(out, { 'site.yml': '1', 'templates/old.j2': 'o' });
    fs.mkdirSync(path.join(out, 'group_vars', 'outpost_targets'), { recursive: true });
    fs.writeFileSync(path.join(out, 'group_vars', 'outpost_targets', 'vault.yml'), 'vault');
    writeExport(out, { 'site.yml': '2', 'templates/new.j2': 'n' });
    expect(fs.readFileSync(path.join(out, 'site.yml'), 'utf8')).toBe('2');
    expect(fs.existsSync(path.join(out, 'templates', 'old.j2'))).toBe(false);
    expect(fs.readFileSync(path.join(out, 'group_vars', 'outpost_targets', 'vault.yml'), 'utf8')).toBe('vault');
  });
});

describe.runIf(hasAnsiblePython)('with the Python and Jinja2 Ansible runs', () => {
  it('literal text escaped for Jinja renders back to itself, per-host values filled in', () => {
    // A filled per-host value (the marker actions/template.ts leaves for Ansible) becomes the host's variable;
    // `{host.name}` written anywhere else (shell syntax of a profile) stays as written, as in outpost run.
    const filled = hostSentinel('host.name');
    const samples = fc.sample(fc.string({ unit: fc.constantFrom('{', '}', '%', '#', '{{', '}}', '{%', '{#', 'a', ' ', '\\', "'", '"', '\n', '{host.name}', filled, '$') }), 200);
    const input = samples.map((s) => toJinja([lit(s), expr("'|'"), lit(s)]));
    const out = JSON.parse(
      execFileSync(PYTHON, ['-c', 'import sys, json, jinja2\nenv = jinja2.Environment(trim_blocks=True, keep_trailing_newline=True)\nprint(json.dumps([env.from_string(t).render(outpost_host_name="web-1", outpost_host_address="10.0.0.1") for t in json.load(sys.stdin)]))'], { input: JSON.stringify(input), encoding: 'utf8' }),
    ) as string[];
    samples.forEach((s, i) => {
      const want = s.split(filled).join('web-1');
      expect(out[i]).toBe(`${want}|${want}`);
    });
    expect(escapeLiteral(hostSentinel('host.address'))).toBe('{{ outpost_host_address }}');
    expect(escapeLiteral('{host.address}')).toBe("{{ '{' }}host.address}");
  });

  it("outpost_ini sets keys exactly as outpost run's INI editor does", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-ini-'));
    fs.writeFileSync(path.join(dir, 'outpost_ini.py'), INI_MODULE);
    const conf = '# settings\n[agent]\n; address\nip = 127.0.0.1\n#ip=commented\nport=12000\n\n[gopher]\nip=127.0.0.1\n';
    const cases = [
      { text: conf, set: [{ section: 'agent', key: 'ip', value: '10.0.0.5' }, { section: 'agent', key: 'new', value: 'v' }, { section: 'extra', key: 'k', value: 'x\\y' }] },
      { text: conf.replace(/\n/g, '\r\n'), set: [{ section: 'agent', key: 'port', value: '1' }, { section: 'z', key: 'k', value: 'v' }] },
      { text: '', set: [{ section: 'a', key: 'k', value: 'v' }] },
      { text: '[a] ; c\r\nk=1\r\n', set: [{ section: 'a', key: 'k', value: '2' }] },
      { text: 'top=1\n[a]\n', set: [{ section: 'a', key: 'k', value: 'v' }, { section: 'a', key: 'top', value: '2' }] },
      { text: '[a]\nk=v', set: [{ section: 'a', key: 'k', value: 'v' }] },
    ];
    const py = execFileSync(PYTHON, ['-c', `import sys, json; sys.path.insert(0, ${JSON.stringify(dir)}); from outpost_ini import edit\nprint(json.dumps([edit(c['text'], c['set'])[0] for c in json.load(sys.stdin)]))`], { input: JSON.stringify(cases), encoding: 'utf8' });
    const got = JSON.parse(py) as string[];
    cases.forEach((c, i) => expect(got[i], JSON.stringify(c)).toBe(editIniText(c.text, c.set).text));
  });
});

describe('every shipped profile', () => {
  it('exports its Linux example, or is refused naming the step', () => {
    for (const f of fs.readdirSync(path.join(RESOURCES, 'examples')).filter((n) => n.endsWith('.yaml'))) {
      let plan: Plan;
      try {
        plan = examplePlan(f);
      } catch {
        continue; // an example that needs a local file (a package) to plan
      }
      try {
        const x = exportAnsible(plan, { hostKeys: {}, version: 'test', packages: { byLocal: new Map(plan.steps.flatMap((s) => (s.action.kind === 'upload' ? [[s.action.from, SHA] as [string, string]] : []))), byRemote: new Map(), checkedArchives: new Set(plan.steps.flatMap((s) => (s.action.kind === 'unpack' ? [s.action.archive] : []))) } });
        expect(x.files['site.yml'], f).toBeTruthy();
      } catch (err) {
        expect(err, f).toBeInstanceOf(OutpostError);
        expect((err as OutpostError).message, f).toMatch(/^Step [\w.-]+: /);
      }
    }
  });
});
