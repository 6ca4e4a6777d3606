// The Ansible export: a built Plan (v2) as an inventory, a playbook and the files they use, for operators
// who run fleets with Ansible. A pure function of the plan and what Outpost verified (host keys, local
// packages): no I/O here (./index.ts reads and writes). The plan is the schedule: every step becomes
// tasks named by its step id, in plan order, on the hosts the plan says, judged as `outpost run` judges
// it (same commands, same markers, same checks). A step the export cannot reproduce faithfully refuses
// the whole export with a message naming it — never a playbook that silently does something else.
// No secret value is ever in the export: secrets are read from the environment by Ansible
// (`lookup('ansible.builtin.env', NAME)`, the names the answers use), SSH passwords with --ask-pass or a
// vault the user creates.
import path from 'node:path';
import { Document, Scalar } from 'yaml';
import type { Action, JumpHost, Plan, Probe, SecretPiece, Step, TargetHost } from '../../common/api/plan';
import { hostKeyName } from '../ssh/known-hosts';
import { quotePosix as q } from '../quote';
import { hostChecks, LOCAL_NOW, LOCAL_TZ, trafficCheck, type CheckContext } from './checks';
import { forwardScript } from './forward';
import { INI_MODULE, INI_MODULE_NAME } from './ini-module';
import { envLookup, envNameOf, escapeLiteral, HOST_VARS, HOSTKEY_VAR, jstr, lit, renderShell, secretPieces, toJinja, unmappable, type JText } from './jinja';
import { exportReadme } from './readme';

export interface ExportHostKey {
  /** "ssh-ed25519 AAAA…" (no host field). */
  line: string;
  fingerprint: string;
}

export interface AnsibleExportOptions {
  /** Host keys Outpost has verified, by plan host id (`jump0`, `target3`). */
  hostKeys: Record<string, ExportHostKey[]>;
  /** Local packages checked at export time (see ./index.ts): SHA-256 by local path and by the remote path they are uploaded to. */
  packages?: { byLocal: ReadonlyMap<string, string>; byRemote: ReadonlyMap<string, string>; checkedArchives: ReadonlySet<string> };
  /** For the README: where the answers and the host list came from, the known_hosts file read. */
  source?: { answers?: string; hosts?: string; knownHosts?: string };
  version: string;
  now?: Date;
}

export interface ExportedHost {
  id: string;
  /** Its name in inventory.yml. */
  name: string;
  label: string;
  host: string;
  port: number;
  /** Reached through this jump server (plan id). */
  via: string | null;
}

export interface AnsibleExport {
  /** Relative path → content. */
  files: Record<string, string>;
  hosts: ExportedHost[];
  /** Hosts whose host key Outpost has not verified: Ansible (StrictHostKeyChecking=yes) will refuse them. */
  hostsWithoutKey: ExportedHost[];
  /** Environment variables the playbook reads, with what each holds. */
  env: Array<{ name: string; what: string[] }>;
  /** Inventory hosts that log in with a password (given to Ansible with --ask-pass or a vault). */
  passwordHosts: string[];
  warnings: string[];
}

const BECOME = '{{ outpost_sudo | default(false) | bool }}';
const REINSTALL = '(outpost_reinstall | default(false) | bool)';
const OVERRIDE = '(outpost_override_preflight | default(false) | bool)';

type Task = Record<string, unknown>;

/** Text Ansible must not template (a profile's words, a title): marked !unsafe when it holds a `{`. */
function text(s: string): string | Scalar {
  if (!s.includes('{')) return s;
  const sc = new Scalar(s);
  sc.tag = '!unsafe';
  return sc;
}

/** A literal string Ansible must take as it is (a marker, a pattern, a hint): always !unsafe. */
function unsafe(s: string): Scalar {
  const sc = new Scalar(s);
  sc.tag = '!unsafe';
  return sc;
}

const varId = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');
const octal = (m: number) => `0${m.toString(8).padStart(3, '0')}`;
/**
 * The output of a registered script: its stderr is merged into stdout by the script itself ({ …; } 2>&1),
 * so the order is the one the runner sees. (No backslash may appear inside {{ }} of a playbook string:
 * Ansible doubles them there. Literal markers, patterns and hints reach expressions as !unsafe task vars.)
 */
const OUT = (r: string) => `(${r}.stdout | default(''))`;
/** A script whose output the judge reads: stderr merged into stdout, in order. */
const merged = (body: JText): JText => [lit('{\n'), ...body, lit('\n} 2>&1\n')];

class Exporter {
  readonly files: Record<string, string> = {};
  readonly env = new Map<string, Set<string>>();
  readonly warnings: string[] = [];
  private readonly guards = new Map<string, number>();
  /** Guards whose verdict is known for every later step (evaluated by a step that cannot bypass it). */
  private readonly guardSettled = new Set<number>();
  private readonly names = new Map<string, string>();
  readonly hosts: ExportedHost[] = [];

  constructor(
    readonly plan: Plan,
    readonly opts: AnsibleExportOptions,
  ) {
    this.nameHosts();
  }

  // ---- hosts ---------------------------------------------------------------------------------

  private nameHosts(): void {
    const used = new Set(['localhost', 'all', 'ungrouped']);
    const take = (want: string, alt: string[]) => {
      for (const n of [want, ...alt]) {
        if (!used.has(n) && !n.startsWith('outpost_')) {
          used.add(n);
          return n;
        }
      }
      let i = 2;
      while (used.has(`${want}-${i}`)) i++;
      used.add(`${want}-${i}`);
      return `${want}-${i}`;
    };
    const clean = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'host';
    for (const j of this.plan.hosts.jumps) {
      const n = take(j.id, []);
      this.names.set(j.id, n);
      this.hosts.push({ id: j.id, name: n, label: j.label, host: j.ssh.host, port: j.ssh.port, via: null });
    }
    for (const t of this.plan.hosts.targets) {
      const base = clean(t.name ?? t.ssh.host);
      const n = take(base, [`${base}-${t.ssh.port}`, `${base}-${t.id}`]);
      this.names.set(t.id, n);
      this.hosts.push({ id: t.id, name: n, label: t.label, host: t.ssh.host, port: t.ssh.port, via: t.via });
    }
  }

  name(id: string): string {
    const n = this.names.get(id);
    if (!n) throw new Error(`no inventory name for ${id}`);
    return n;
  }

  // ---- plan checks ---------------------------------------------------------------------------

  /** Everything the export cannot reproduce faithfully, refused before anything is built. */
  check(): void {
    const p = this.plan;
    if (p.os !== 'linux') throw unmappable(p.steps.find((s) => s.on === 'targets' && s.phase !== 'connect')?.id ?? 'connect', `the plan installs on ${p.os} hosts; the export maps Linux hosts (POSIX shells) only`);
    if (p.hosts.proxies?.length) {
      const s = p.steps.find((x) => /^proxy\d+$/.test(x.on));
      throw unmappable(s?.id ?? 'tunnel', 'it runs on the proxy of a remote tunnel (ssh -R), which the export does not map');
    }
    for (const s of p.steps) {
      const a = s.action;
      if (!/^(console|targets|jump\d+)$/.test(s.on) && !(s.on === 'local' && a.kind === 'instruction')) throw unmappable(s.id, `it runs on "${s.on}", which is not a host of the export`);
      if ((s.on === 'console' || s.on === 'local') && a.kind !== 'instruction') throw unmappable(s.id, 'it runs on this computer; the export runs on the hosts only');
      if (a.kind === 'exec' && a.interactive) throw unmappable(s.id, 'it needs a person at a terminal (an interactive command), which Ansible cannot be');
      if (a.kind === 'forward') {
        if (a.direction !== 'local') throw unmappable(s.id, 'it is a remote forward (ssh -R), which the export does not map');
        if (a.form !== 'persistent') throw unmappable(s.id, 'the vendor tunnel (ssh -f -N, answering a password prompt) has no faithful Ansible form; use `tunnel: persistent` in the answers');
      }
      if (a.kind === 'unpack' && !this.opts.packages?.checkedArchives.has(a.archive)) {
        throw unmappable(s.id, `${a.archive} is not a package uploaded by an earlier step from this computer, so its entries cannot be checked before it is unpacked (outpost run checks them)`);
      }
      if (a.kind === 'upload' && !this.opts.packages?.byLocal.has(a.from)) throw unmappable(s.id, `${a.from} was not checked (the export reads every package it uploads)`);
    }
    for (const h of [...p.hosts.jumps, ...p.hosts.targets]) {
      for (const v of [h.ssh.host, 'privateIp' in h ? (h as JumpHost).privateIp : ((h as TargetHost).name ?? h.ssh.host)]) {
        if (!/^[A-Za-z0-9._:-]+$/.test(v)) throw unmappable('connect', `{host.address}/{host.name} of ${h.id} would be "${v}", which has characters a command or file cannot take as they are`);
      }
    }
    if (p.hosts.thisComputer) this.warnings.push('this computer (answers: thisComputer) is not in the export: Ansible runs from it, so run `outpost run` for it');
  }

  // ---- helpers -------------------------------------------------------------------------------

  private useSecret(p: SecretPiece, step: string): string {
    const name = envNameOf(p.secret, p.name);
    const set = this.env.get(name) ?? new Set<string>();
    set.add(`${p.name} (step ${step})`);
    this.env.set(name, set);
    return name;
  }

  private render(s: Step) {
    const facts = Object.fromEntries(this.plan.hosts.jumps.map((j) => [`hostkey.${j.id}`, `hostvars[${jstr(this.name(j.id))}].${HOSTKEY_VAR}`]));
    return { env: (p: SecretPiece) => this.useSecret(p, s.id), facts, stepId: s.id };
  }

  private checkCtx(s: Step): CheckContext {
    return { ...this.render(s), localNow: LOCAL_NOW, localTz: LOCAL_TZ, peer: HOST_VARS['host.address'] };
  }

  /** Writes a template file; returns the lookup that renders it (on the controller, with the host's variables). */
  private template(file: string, body: JText): string {
    const rel = `templates/${file}`;
    this.files[rel] = toJinja(body);
    return `{{ lookup('ansible.builtin.template', ${jstr(file)}, convert_data=False) }}`;
  }

  /**
   * Every secret of the plan masked as **** in output Ansible shows (the runner's redactor masks every
   * secret it knows, as is and JSON-escaped): `outpost_mask` (group_vars/all.yml) is their pattern.
   */
  private mask(expr: string, _envs?: string[]): string {
    return `(${expr} | regex_replace(outpost_mask, '****') if outpost_mask | default('') else ${expr})`;
  }

  private tail(r: string, envs: string[], lines = 5): string {
    return `(${this.mask(OUT(r), envs)}).strip().splitlines()[-${lines}:] | join(' | ')`;
  }

  /** A task running a script on the host: `bash -s` / `sh -s` with the script on stdin, as the runner does (nothing on a process list). */
  private scriptTask(name: string, shell: 'bash' | 'sh', file: string, body: JText, extra: Task): Task {
    return {
      name: text(name),
      'ansible.builtin.command': { argv: [shell, '-s'], stdin: this.template(file, body) },
      ...extra,
    };
  }

  // ---- guards --------------------------------------------------------------------------------

  /** Tasks that evaluate a step's guard (once per distinct guard, when first needed), and the step's `when`. */
  private guard(s: Step): { tasks: Task[]; when: string | null } {
    if (!s.guard) return { tasks: [], when: null };
    const key = JSON.stringify(s.guard.probes);
    let n = this.guards.get(key);
    if (n === undefined) {
      n = this.guards.size + 1;
      this.guards.set(key, n);
    }
    const fact = `outpost_guard_${n}`;
    const bypass = s.onFailure?.remedy ? REINSTALL : null;
    const reg = `outpost_g${n}_${varId(s.id)}`;
    const notBypassed = bypass ? ` and not ${bypass}` : '';
    const skipped: Task = {
      name: text(`${s.id} (skipped: ${s.guard.says})`),
      'ansible.builtin.debug': { msg: text(`${s.guard.says}; step skipped${s.onFailure?.remedy ? ' (run with -e outpost_reinstall=true to install it again)' : ''}`) },
      when: `${fact} | default(false) | bool${notBypassed}`,
    };
    const stepWhen = `${bypass ? `${bypass} or ` : ''}not (${fact} | default(false) | bool)`;
    // Evaluated once, where first needed (the runner caches a guard's verdict for the host); a step that
    // may bypass it (reinstall) leaves it to the next step that uses it.
    if (this.guardSettled.has(n)) return { tasks: [skipped], when: stepWhen };
    if (!bypass) this.guardSettled.add(n);
    const { text: body, shell } = hostChecks(s.guard.probes, this.checkCtx(s));
    const tasks: Task[] = [
      this.scriptTask(`${s.id} (already done? ${s.guard.says})`, shell, `guard-${n}.sh.j2`, body, {
        register: reg,
        changed_when: false,
        failed_when: false,
        when: `${fact} is not defined${notBypassed}`,
      }),
      {
        name: text(`${s.id} (already done?)`),
        'ansible.builtin.set_fact': {
          [fact]: `{{ ('OUTPOST_CHECK pass' in ${reg}.stdout) and ('OUTPOST_CHECK warn' not in ${reg}.stdout) and ('OUTPOST_CHECK FAIL' not in ${reg}.stdout) }}`,
        },
        when: `${reg} is not skipped`,
      },
      skipped,
    ];
    return { tasks, when: stepWhen };
  }

  // ---- steps ---------------------------------------------------------------------------------

  /** The tasks of one step on its host(s). */
  stepTasks(s: Step): Task[] {
    const a = s.action;
    const title = `${s.id}: ${s.title}`;
    if (a.kind === 'instruction') {
      return [{ name: text(`${title} (by hand)`), 'ansible.builtin.debug': { msg: `Manual step: ${a.text}`.split('\n').map(text) }, run_once: true }];
    }
    const g = this.guard(s);
    const when = (extra?: string): Record<string, string> => {
      const parts = [g.when, extra].filter((x): x is string => Boolean(x));
      return parts.length ? { when: parts.length === 1 ? (parts[0] as string) : parts.map((x) => `(${x})`).join(' and ') } : {};
    };
    const remedy = this.remedyTasks(s);
    return [...remedy, ...g.tasks, ...this.actionTasks(s, a, title, when)];
  }

  private remedyTasks(s: Step): Task[] {
    const id = s.onFailure?.remedy;
    if (!id) return [];
    const r = this.plan.steps.find((x) => x.id === id && x.on === s.on);
    if (!r) return [];
    const a = r.action;
    if (a.kind !== 'exec') throw unmappable(r.id, `the remedy is a ${a.kind} action; the export maps remedy commands only`);
    const reg = `outpost_r_${varId(r.id)}`;
    const envs = secretPieces(a.command).map((p) => this.useSecret(p, r.id));
    const body = merged(renderShell(a.command, a.shell, this.render(r)));
    const ok = this.okExpr(a, reg);
    return [
      this.scriptTask(`${r.id}: ${r.title}`, a.shell as 'bash' | 'sh', `${r.id}.sh.j2`, body, {
        register: reg,
        changed_when: true,
        failed_when: false,
        timeout: a.timeoutSec,
        ...(envs.length ? { no_log: true } : {}),
        ...(a.root ? { become: BECOME } : {}),
        when: REINSTALL,
      }),
      {
        name: text(`${r.id} (result)`),
        vars: this.judgeVars(r, a),
        'ansible.builtin.debug': {
          msg: `{% if ${ok} %}{{ ${this.tail(reg, envs)} }}{% else %}uninstall did not succeed ({{ ${this.tail(reg, envs, 2)} }}); installing anyway{% endif %}`,
        },
        when: `${reg} is not skipped`,
      },
    ];
  }

  /** Literal words a judge reads, as !unsafe task vars (never templated, backslashes kept). */
  private judgeVars(s: Step, a: { success: { exitCode?: number | undefined; markers?: string[] | undefined }; failureMarkers: string[]; diagnosis?: Array<{ pattern: string; hint: string }> }): Task {
    return {
      outpost_failure: a.failureMarkers.map(unsafe),
      outpost_success: (a.success.markers ?? []).map(unsafe),
      outpost_diagnosis: (a.diagnosis ?? []).map((d) => ({ pattern: unsafe(d.pattern), hint: unsafe(d.hint) })),
      outpost_hint: unsafe(s.onFailure?.hint ?? 'The output above shows the cause.'),
      outpost_title: unsafe(s.title),
    };
  }

  /** The runner's verdict on an exec action (outcomeOf): failure markers win; then exit code and success markers. */
  private okExpr(a: { success: { exitCode?: number | undefined; markers?: string[] | undefined }; failureMarkers: string[] }, reg: string): string {
    const out = OUT(reg);
    const parts = [
      ...(a.failureMarkers.length ? [`(outpost_failure | select('in', ${out}) | list | length == 0)`] : []),
      ...(a.success.exitCode !== undefined ? [`(${reg}.rc == ${a.success.exitCode})`] : []),
      ...(a.success.markers?.length ? [`(outpost_success | select('in', ${out}) | list | length > 0)`] : []),
    ];
    return parts.length ? `(${parts.join(' and ')})` : 'true';
  }

  /** The runner's failure message for an exec step (runExec), with the profile's diagnosis as the hint. */
  private failMsg(a: { success: { exitCode?: number | undefined } }, reg: string, envs: string[]): string {
    const out = OUT(reg);
    const masked = this.mask(out, envs);
    const rc = a.success.exitCode !== undefined ? `{% elif ${reg}.rc != ${a.success.exitCode} %}it exited with code {{ ${reg}.rc }}` : '';
    return (
      `{% set outpost_said = outpost_failure | select('in', ${out}) | list %}` +
      `{{ outpost_title }} failed on {{ inventory_hostname }}: ` +
      `{% if outpost_said %}the output says "{{ outpost_said | first }}"${rc}{% else %}its success message ({{ outpost_success | join(' / ') }}) did not appear{% endif %}. ` +
      `Last output: {{ ${this.tail(reg, envs)} }} — hint: ` +
      `{% for d in outpost_diagnosis if ${masked} is search(d.pattern) %}{% if loop.first %}{{ d.hint }}{% endif %}{% else %}{{ outpost_hint }}{% endfor %}`
    );
  }

  private actionTasks(s: Step, a: Action, title: string, when: (extra?: string) => Record<string, string>): Task[] {
    const reg = `outpost_r_${varId(s.id)}`;
    switch (a.kind) {
      case 'exec': {
        const envs = secretPieces(a.command).map((p) => this.useSecret(p, s.id));
        const body = merged(renderShell(a.command, a.shell, this.render(s)));
        return [
          this.scriptTask(title, a.shell as 'bash' | 'sh', `${s.id}.sh.j2`, body, {
            register: reg,
            changed_when: true,
            // Judged by the next task (the runner's rules), which also shows the output with secrets masked.
            failed_when: false,
            timeout: a.timeoutSec,
            ...(envs.length ? { no_log: true } : {}),
            ...(a.root ? { become: BECOME } : {}),
            ...when(),
          }),
          {
            name: text(`${s.id} (result)`),
            vars: this.judgeVars(s, a),
            'ansible.builtin.assert': {
              that: [this.okExpr(a, reg)],
              success_msg: `{{ ${this.tail(reg, envs)} or 'done' }}`,
              fail_msg: this.failMsg(a, reg, envs),
              quiet: false,
            },
            when: `${reg} is not skipped`,
          },
        ];
      }
      case 'probe': {
        if (a.probes.every((p) => p.kind === 'login')) return [{ name: text(title), 'ansible.builtin.ping': null, ...when() }];
        return this.probeTasks(s, a.probes, title, reg, when);
      }
      case 'writeFile': {
        const envs: string[] = [];
        const body: JText = a.content.map((c) => {
          if (typeof c === 'string') return lit(c);
          const name = this.useSecret(c, s.id);
          envs.push(name);
          return { j: a.escape === 'json' ? `(${envLookup(name)} | to_json(ensure_ascii=False))[1:-1]` : envLookup(name) };
        });
        this.files[`templates/${s.id}.j2`] = toJinja(body);
        const dir = path.posix.dirname(a.path);
        return [
          {
            name: text(`${s.id} (folder)`),
            'ansible.builtin.command': { argv: ['sh', '-c', 'umask 077 && mkdir -p -- "$1"', 'sh', escapeLiteral(dir)], creates: escapeLiteral(dir) },
            ...(a.root ? { become: BECOME } : {}),
            ...when(),
          },
          {
            name: text(title),
            'ansible.builtin.template': { src: `${s.id}.j2`, dest: escapeLiteral(a.path), mode: octal(a.mode) },
            ...(envs.length ? { no_log: true } : {}),
            ...(a.root ? { become: BECOME } : {}),
            ...when(),
          },
        ];
      }
      case 'editIni':
        return [
          {
            name: text(title),
            [INI_MODULE_NAME]: { path: escapeLiteral(a.path), set: a.set.map((x) => ({ section: escapeLiteral(x.section), key: escapeLiteral(x.key), value: escapeLiteral(x.value) })) },
            ...(a.root ? { become: BECOME } : {}),
            ...when(),
          },
        ];
      case 'upload': {
        const sum = this.opts.packages?.byLocal.get(a.from) ?? '';
        return [
          {
            name: text(`${s.id} (SHA-256 of ${a.from} on this computer)`),
            'ansible.builtin.stat': { path: escapeLiteral(a.from), checksum_algorithm: 'sha256', get_checksum: true },
            delegate_to: 'localhost',
            run_once: true,
            register: `${reg}_local`,
            ...when(),
          },
          {
            name: text(`${s.id} (the file is the one checked)`),
            'ansible.builtin.assert': {
              that: [`${reg}_local.stat.exists`, `${reg}_local.stat.checksum == ${jstr(sum)}`],
              fail_msg: `${escapeLiteral(a.from)} {% if ${reg}_local.stat.exists %}has SHA-256 {{ ${reg}_local.stat.checksum }}, expected ${sum}{% else %}is missing{% endif %}. Nothing was sent. — hint: Get the package again from the vendor, or correct the expected SHA-256 if it was mistyped.`,
              quiet: true,
            },
            run_once: true,
            when: `${reg}_local is not skipped`,
          },
          {
            name: text(title),
            'ansible.builtin.copy': { src: escapeLiteral(a.from), dest: escapeLiteral(a.to), mode: octal(a.mode) },
            become: BECOME,
            ...when(),
          },
          {
            name: text(`${s.id} (SHA-256 checked on the host)`),
            'ansible.builtin.stat': { path: escapeLiteral(a.to), checksum_algorithm: 'sha256', get_checksum: true },
            become: BECOME,
            register: `${reg}_remote`,
            ...when(),
          },
          {
            name: text(`${s.id} (result)`),
            'ansible.builtin.assert': {
              that: [`${reg}_remote.stat.checksum | default('') == ${jstr(sum)}`],
              success_msg: `${escapeLiteral(`${path.basename(a.from)} → ${a.to} (SHA-256 ${sum.slice(0, 12)}… checked on the host)`)}`,
              fail_msg: `the copy at ${escapeLiteral(a.to)} does not have the expected SHA-256 (${sum})`,
              quiet: false,
            },
            when: `${reg}_remote is not skipped`,
          },
        ];
      }
      case 'unpack': {
        const sum = this.opts.packages?.byRemote.get(a.archive) ?? a.sha256 ?? '';
        const body: JText = merged([lit(unpackScript({ ...a, sha256: sum }))]);
        const exec = { success: { exitCode: 0 }, failureMarkers: ['OUTPOST_FAIL'] };
        return [
          this.scriptTask(title, 'bash', `${s.id}.sh.j2`, body, { register: reg, changed_when: true, failed_when: false, timeout: 600, become: BECOME, ...when() }),
          {
            name: text(`${s.id} (result)`),
            vars: this.judgeVars(s, exec),
            'ansible.builtin.assert': {
              that: [this.okExpr(exec, reg)],
              success_msg: `{{ ${this.tail(reg, [])} }}`,
              fail_msg: `${escapeLiteral(s.title)} failed on {{ inventory_hostname }}: {{ ${this.tail(reg, [], 3)} }} — hint: Check the path and its permissions.`,
              quiet: false,
            },
            when: `${reg} is not skipped`,
          },
        ];
      }
      case 'forward': {
        const body: JText = merged([lit(forwardScript(a))]);
        const fail = `(('OUTPOST_FAIL' in ${OUT(reg)}) or ${reg}.rc != 0)`;
        return [
          this.scriptTask(title, 'bash', `${s.id}.sh.j2`, body, { register: reg, changed_when: true, failed_when: false, timeout: 120, ...when() }),
          {
            name: text(`${s.id} (result)`),
            'ansible.builtin.assert': {
              that: [`not ${fail}`],
              success_msg: `{{ ${reg}.stdout_lines | select('match', '^(tunnel |OUTPOST_WARN )') | map('regex_replace', '^OUTPOST_WARN ', 'warning: ') | list }}`,
              fail_msg: `{{ (${reg}.stdout_lines | select('match', '^OUTPOST_(FAIL|HINT) ') | map('regex_replace', '^OUTPOST_FAIL ', '') | map('regex_replace', '^OUTPOST_HINT ', 'hint: ') | join(' — ')) or (${this.tail(reg, [])}) }}`,
              quiet: false,
            },
            when: `${reg} is not skipped`,
          },
        ];
      }
      default:
        throw unmappable(s.id, `its action (${(a as { kind: string }).kind}) has no Ansible mapping`);
    }
  }

  private probeTasks(s: Step, probes: readonly Probe[], title: string, reg: string, when: (extra?: string) => Record<string, string>): Task[] {
    const c = this.checkCtx(s);
    const onHost = probes.filter((p) => p.kind !== 'tunnelTraffic' && p.kind !== 'login');
    const traffic = probes.filter((p): p is Extract<Probe, { kind: 'tunnelTraffic' }> => p.kind === 'tunnelTraffic');
    const tasks: Task[] = [];
    const regs: string[] = [];
    if (onHost.length) {
      const { text: body, shell } = hostChecks(onHost, c);
      const envs = secretPieces(onHost.flatMap((p) => (p.kind === 'command' ? p.command : []))).map((p) => this.useSecret(p, s.id));
      tasks.push(
        this.scriptTask(title, shell, `${s.id}.check.sh.j2`, body, {
          register: reg,
          changed_when: false,
          failed_when: false,
          timeout: 120 + 60 * onHost.filter((p) => p.kind === 'command').length,
          ...(envs.length ? { no_log: true } : {}),
          ...when(),
        }),
      );
      regs.push(reg);
      if (onHost.some((p) => p.kind === 'privilege')) {
        // Whether the steps marked root run with sudo -n (the runner's needsSudo), for every later step.
        tasks.push({ name: text(`${s.id} (sudo for root steps?)`), 'ansible.builtin.set_fact': { outpost_sudo: `{{ 'OUTPOST_SUDO yes' in ${reg}.stdout }}` }, when: `${reg} is not skipped` });
      }
    }
    traffic.forEach((p, i) => {
      const r = `${reg}_traffic${i ? i + 1 : ''}`;
      if (s.on !== 'targets') return;
      const lines = trafficCheck(p, c);
      tasks.push(
        this.scriptTask(`${s.id}: ${probeLabel(p)} (seen from the jump server)`, 'sh', `${s.id}.traffic${i ? i + 1 : ''}.sh.j2`, lines, {
          register: r,
          changed_when: false,
          failed_when: false,
          timeout: 60,
          delegate_to: '{{ outpost_via }}',
          when: [g(when()), 'outpost_via is defined'].filter(Boolean).join(' and '),
        }),
      );
      regs.push(r);
    });
    if (!regs.length) return tasks;
    const lines = `(${regs.map((r) => `(${r}.stdout_lines | default([]))`).join(' + ')}) | select('match', '^OUTPOST_CHECK ') | map('regex_replace', '^OUTPOST_CHECK ', '') | map('regex_replace', outpost_mask | default('') or '^$NEVER', '****') | list`;
    const fails = `(${lines}) | select('match', '^FAIL ') | list`;
    const what = s.phase === 'preflight' ? 'Preflight' : s.phase === 'verify' ? 'Verify' : escapeLiteral(s.title);
    const overridable = s.phase === 'preflight';
    tasks.push({
      name: text(`${s.id} (result)`),
      'ansible.builtin.assert': {
        that: [`(${fails}) | length == 0`, ...regs.slice(0, 1).map((r) => `(${r}.stdout_lines | default([]) | select('match', '^OUTPOST_CHECK ') | list | length) > 0 or ${r}.rc == 0`)],
        success_msg: `{{ ${lines} }}`,
        fail_msg: `${what} failed on {{ inventory_hostname }}: {{ (${fails}) | map('regex_replace', '^FAIL ', '') | map('regex_replace', ' — .*$', '') | join('; ') }}.{% if (${fails}) | select('search', ' — ') | list %} — hint: {{ (${fails}) | select('search', ' — ') | first | regex_replace('^.*? — ', '') }}{% endif %}${overridable ? ' (to install anyway: -e outpost_override_preflight=true)' : ''}{% if ${regs[0]}.stderr | default('') %} {{ ${regs[0]}.stderr }}{% endif %}`,
        quiet: false,
      },
      ...(overridable ? { ignore_errors: `{{ ${OVERRIDE} }}` } : {}),
      when: `${regs[0]} is not skipped`,
    });
    return tasks;
  }

  // ---- plays ---------------------------------------------------------------------------------

  playbook(): Task[] {
    const p = this.plan;
    const plays: Task[] = [];
    // 1. Before anything: the secrets are set, host key checking is on, the console steps are printed.
    const pre: Task[] = [];
    const targetSteps = p.steps.filter((s) => s.on === 'targets' && s.phase !== 'connect' && !(s.optional && s.phase === 'remedy'));
    const byJump = p.hosts.jumps.map((j) => ({ j, steps: p.steps.filter((s) => s.on === j.id && s.phase !== 'connect') }));
    // Build every step's tasks first: that records the environment variables they read.
    const jumpTasks = byJump.map(({ j, steps }) => ({ j, tasks: steps.flatMap((s) => this.stepTasks(s)) }));
    const targetTasks = this.withTransients(targetSteps);
    const envs = [...this.env.keys()];
    if (envs.length) {
      pre.push({
        name: 'Outpost: the environment variables the playbook reads are set',
        'ansible.builtin.assert': {
          that: envs.map((n) => `${envLookup(n)} | length > 0`),
          fail_msg: `Set ${envs.join(', ')} in the shell that runs ansible-playbook (secrets are never in the export); not set: {{ [${envs.map((n) => `(${envLookup(n)} | length == 0) | ternary(${jstr(n)}, '')`).join(', ')}] | select | join(', ') }}.`,
          quiet: true,
        },
        run_once: true,
      });
    }
    pre.push({
      name: 'Outpost: host key checking is on',
      'ansible.builtin.assert': {
        that: ["lookup('ansible.builtin.config', 'HOST_KEY_CHECKING') | bool"],
        fail_msg: 'Host key checking is off in your Ansible configuration (ANSIBLE_HOST_KEY_CHECKING / host_key_checking): this playbook relies on it and on the host keys Outpost verified (known_hosts). Turn it back on.',
        quiet: true,
      },
      run_once: true,
    });
    for (const s of p.steps.filter((x) => (x.on === 'console' || x.on === 'local') && x.action.kind === 'instruction')) pre.push(...this.stepTasks(s));
    plays.push({ name: 'Outpost: before anything runs', hosts: 'all', gather_facts: false, any_errors_fatal: true, tasks: pre });

    // 2. Each jump server: its steps (the tunnel), then its ports.
    for (const { j, tasks } of jumpTasks) {
      const connect = p.steps.find((s) => s.id === `connect.${j.id}`);
      plays.push({
        name: text(`Outpost: ${j.label}`),
        hosts: this.name(j.id),
        gather_facts: false,
        tasks: [
          { name: 'Outpost: this jump server was tried', 'ansible.builtin.set_fact': { outpost_jump_started: true } },
          {
            name: 'Outpost: Outpost verified this host key',
            'ansible.builtin.assert': {
              that: [`${HOSTKEY_VAR} is defined`],
              fail_msg: `Outpost has not verified the host key of ${escapeLiteral(j.label)}: known_hosts has no line for it. Export again with --accept-new-hostkeys (or run outpost run once).`,
              quiet: true,
            },
          },
          ...(connect ? this.stepTasks(connect) : []),
          ...tasks,
          { name: 'Outpost: this jump server is done', 'ansible.builtin.set_fact': { outpost_jump_done: true } },
        ],
      });
    }

    // 3. The targets.
    const connect = p.steps.find((s) => s.id === 'connect');
    if (p.hosts.targets.length) {
      plays.push({
        name: text(`Outpost: ${p.profile.name} on the targets`),
        hosts: 'outpost_targets',
        gather_facts: false,
        tasks: [
          ...(p.hosts.jumps.length
            ? [
                {
                  name: 'Outpost: the jump server in front is ready',
                  'ansible.builtin.assert': {
                    that: ["outpost_via is not defined or not (hostvars[outpost_via].outpost_jump_started | default(false)) or (hostvars[outpost_via].outpost_jump_done | default(false))"],
                    fail_msg: 'Not tried: {{ outpost_via }} failed (see its tasks above).',
                    quiet: true,
                  },
                },
              ]
            : []),
          ...(connect ? this.stepTasks(connect) : []),
          ...targetTasks,
        ],
      });
    }
    return plays;
  }

  /**
   * The targets' steps in order; a transient file (register.json, an env file) lives for the step that
   * follows it and is removed whatever happened (the runner's rule): the file's step and that step go in
   * a block whose `always` removes it.
   */
  private withTransients(steps: Step[]): Task[] {
    const out: Task[] = [];
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i] as Step;
      const a = s.action;
      if (a.kind !== 'writeFile' || !a.transient) {
        out.push(...this.stepTasks(s));
        continue;
      }
      const files: Step[] = [s];
      let k = i + 1;
      while (k < steps.length && steps[k]?.action.kind === 'writeFile') files.push(steps[k++] as Step);
      const next = steps[k];
      const block = [...files.flatMap((x) => this.stepTasks(x)), ...(next ? this.stepTasks(next) : [])];
      const paths = files.flatMap((x) => (x.action.kind === 'writeFile' && x.action.transient ? [x.action.path] : []));
      out.push({
        name: text(`${s.id}: ${s.title} (removed after ${next?.id ?? 'the last step'})`),
        block,
        always: paths.map((f) => ({ name: text(`${s.id} (remove ${f})`), 'ansible.builtin.file': { path: escapeLiteral(f), state: 'absent' }, become: BECOME })),
      });
      i = next ? k : k - 1;
    }
    return out;
  }

  // ---- inventory, known_hosts ----------------------------------------------------------------

  inventory(): { text: string; passwordHosts: string[] } {
    const p = this.plan;
    const strict = "-o StrictHostKeyChecking=yes -o UserKnownHostsFile={{ (inventory_dir ~ '/known_hosts') | quote }} -o GlobalKnownHostsFile=/dev/null";
    const passwordHosts: string[] = [];
    const login = (id: string, ssh: JumpHost['ssh'], extra: Record<string, unknown>) => {
      const v: Record<string, unknown> = { ansible_host: ssh.host, ansible_port: ssh.port, ansible_user: ssh.user };
      if (ssh.auth.kind === 'privateKey') v.ansible_ssh_private_key_file = ssh.auth.path;
      if (ssh.auth.kind === 'password') passwordHosts.push(this.name(id));
      return { ...v, outpost_id: id, outpost_auth: ssh.auth.kind === 'privateKey' ? 'key' : ssh.auth.kind, ...extra };
    };
    const jumps: Record<string, unknown> = {};
    for (const j of p.hosts.jumps) {
      const key = this.opts.hostKeys[j.id]?.[0];
      jumps[this.name(j.id)] = login(j.id, j.ssh, { outpost_host_address: j.privateIp, outpost_host_name: j.privateIp, ...(key ? { [HOSTKEY_VAR]: key.line } : {}) });
    }
    const targetVars = (t: TargetHost) => login(t.id, t.ssh, { outpost_host_address: t.ssh.host, outpost_host_name: t.name ?? t.ssh.host });
    const direct: Record<string, unknown> = {};
    const via: Record<string, Record<string, unknown>> = {};
    for (const t of p.hosts.targets) {
      if (t.via) (via[t.via] ??= {})[this.name(t.id)] = targetVars(t);
      else direct[this.name(t.id)] = targetVars(t);
    }
    const children: Record<string, unknown> = {};
    for (const [jid, hosts] of Object.entries(via)) {
      const j = p.hosts.jumps.find((x) => x.id === jid);
      if (!j) continue;
      const key = j.ssh.auth.kind === 'privateKey' ? ` -i ${q(j.ssh.auth.path)}` : '';
      // What ProxyJump does, with the same host key options on the jump hop (OpenSSH passes no -o option
      // to a ProxyJump hop, which would check the jump server against ~/.ssh/known_hosts instead).
      const proxy = `ssh ${strict} -p ${j.ssh.port}${key} -W '[%h]:%p' ${q(`${j.ssh.user}@${j.ssh.host}`)}`;
      children[`outpost_via_${jid}`] = { vars: { outpost_via: this.name(jid), ansible_ssh_common_args: `${strict} -o ProxyCommand="${proxy}"` }, hosts };
    }
    const inv = {
      all: {
        vars: { ansible_ssh_common_args: strict },
        children: {
          ...(p.hosts.jumps.length ? { outpost_jumps: { hosts: jumps } } : {}),
          outpost_targets: { ...(Object.keys(direct).length ? { hosts: direct } : {}), ...(Object.keys(children).length ? { children } : {}) },
        },
      },
    };
    const head = [
      `# Generated by Outpost ${this.opts.version}: the hosts of ${p.profile.name} (${p.profile.id}), from ${this.opts.source?.hosts ?? this.opts.source?.answers ?? 'the answers'}.`,
      '# No secret is here: SSH passwords are given with --ask-pass or a vault (README.md), agent secrets by environment variables.',
      '# Host keys: known_hosts beside this file, checked strictly (StrictHostKeyChecking=yes); the jump hop of a target behind a',
      '# jump server is a ProxyCommand with the same options (what ProxyJump does, without dropping them on the hop).',
      '',
    ].join('\n');
    return { text: head + new Document(inv).toString({ lineWidth: 0 }), passwordHosts };
  }

  knownHosts(): string {
    const lines = [`# Host keys Outpost verified${this.opts.source?.knownHosts ? ` (${this.opts.source.knownHosts})` : ''}, for the hosts of inventory.yml.`, '# Ansible reads this file only (UserKnownHostsFile, StrictHostKeyChecking=yes, GlobalKnownHostsFile=/dev/null).'];
    for (const h of this.hosts) {
      const keys = this.opts.hostKeys[h.id] ?? [];
      if (!keys.length) {
        lines.push(`# ${h.name}: ${h.label}: NO VERIFIED HOST KEY — Ansible will refuse this host (export again with --accept-new-hostkeys)`);
        continue;
      }
      lines.push(`# ${h.name}: ${h.label}: ${keys.map((k) => k.fingerprint).join(', ')}`);
      for (const k of keys) lines.push(`${hostKeyName(h.host, h.port)} ${k.line}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function g(w: Record<string, string>): string {
  return w.when ? `(${w.when})` : '';
}

function probeLabel(p: Probe): string {
  return p.kind === 'tunnelTraffic' ? `agent traffic on ports ${p.ports.join(', ')}` : p.kind;
}

/** The runner's remote unpack (run/runner.ts): the SHA-256 checked first, then unzip / tar into dest. */
export function unpackScript(a: { archive: string; dest: string; format: 'zip' | 'tar' | 'tar.gz'; sha256: string | null }): string {
  const check = a.sha256 ? `printf '%s  %s\\n' ${q(a.sha256.toLowerCase())} "$a" | sha256sum -c --status - || { echo "OUTPOST_FAIL $a does not have the expected SHA-256"; exit 1; }; ` : '';
  const x = a.format === 'zip' ? 'unzip -o -q "$a" -d "$d"' : `tar -x${a.format === 'tar.gz' ? 'z' : ''}f "$a" -C "$d" --no-same-owner`;
  return `set -e; a=${q(a.archive)}; d=${q(a.dest)}; ${check}mkdir -p -- "$d"; ${x}; echo "unpacked $a into $d"\n`;
}

const ANSIBLE_CFG = `# Generated by Outpost. Read by ansible-playbook when it runs from this folder.
[defaults]
inventory = inventory.yml
# The playbook relies on host key checking (and checks that it is on).
host_key_checking = True
retry_files_enabled = False
`;

function groupVars(env: string[]): string {
  // Each secret as is, JSON-escaped once and twice (the runner's secretForms), longest first.
  const forms = env.flatMap((n) => {
    const raw = envLookup(n);
    const once = `(${raw} | to_json(ensure_ascii=False))[1:-1]`;
    return [`((${once}) | to_json(ensure_ascii=False))[1:-1]`, once, raw];
  });
  return [
    '# Generated by Outpost: the switches `outpost run` has, for this playbook (set with -e NAME=true).',
    '# -e outpost_reinstall=true          the vendor remedy: uninstall, then install again, even when the agent runs (outpost run --reinstall)',
    '# -e outpost_override_preflight=true install even when preflight checks fail (outpost run --override-preflight)',
    'outpost_reinstall: false',
    'outpost_override_preflight: false',
    '# The secrets the playbook reads from the environment, masked as **** in everything it prints (as is and JSON-escaped).',
    `outpost_mask: ${forms.length ? JSON.stringify(`{{ [${forms.join(', ')}] | select | map('regex_escape') | join('|') }}`) : "''"}`,
    '',
  ].join('\n');
}

/** Builds the export. Throws OutpostError `export.unmappable` naming the step that has no faithful mapping. */
export function exportAnsible(plan: Plan, opts: AnsibleExportOptions): AnsibleExport {
  const x = new Exporter(plan, opts);
  x.check();
  const plays = x.playbook();
  const inv = x.inventory();
  const files: Record<string, string> = { ...x.files };
  const head = `# Generated by Outpost ${opts.version} from the plan of ${plan.profile.name} (${plan.profile.id} v${plan.profile.version}, ${plan.os}, ${plan.mode}).\n# Task names start with the plan's step ids (outpost plan shows the same steps). README.md says how to run it.\n`;
  files['site.yml'] = head + new Document(plays).toString({ lineWidth: 0 });
  files['inventory.yml'] = inv.text;
  files['known_hosts'] = x.knownHosts();
  files['ansible.cfg'] = ANSIBLE_CFG;
  files['group_vars/all.yml'] = groupVars([...x.env.keys()]);
  if (plan.steps.some((s) => s.action.kind === 'editIni')) files[`library/${INI_MODULE_NAME}.py`] = INI_MODULE;
  const hostsWithoutKey = x.hosts.filter((h) => !(opts.hostKeys[h.id]?.length));
  const env = [...x.env].map(([name, what]) => ({ name, what: [...what] }));
  const warnings = [...x.warnings];
  const jumpsWithPassword = plan.hosts.jumps.filter((j) => j.ssh.auth.kind === 'password' && plan.hosts.targets.some((t) => t.via === j.id));
  if (jumpsWithPassword.length) {
    warnings.push(
      `${jumpsWithPassword.map((j) => j.label).join(', ')} ${jumpsWithPassword.length > 1 ? 'log' : 'logs'} in with a password: Ansible reaches the targets behind ${jumpsWithPassword.length > 1 ? 'them' : 'it'} through an ssh hop that cannot be given one — load a key for it into ssh-agent (README.md)`,
    );
  }
  files['README.md'] = exportReadme({ plan, x: { hosts: x.hosts, hostsWithoutKey, env, passwordHosts: inv.passwordHosts, warnings }, opts, files: Object.keys(files) });
  return { files, hosts: x.hosts, hostsWithoutKey, env, passwordHosts: inv.passwordHosts, warnings };
}
