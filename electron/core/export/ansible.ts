// The Ansible export: a built Plan as an inventory, a playbook and the files they use, for operators who
// run fleets with Ansible. A pure function of the plan and what Outpost verified (host keys, local
// packages): no I/O here (./index.ts reads and writes). The plan is the schedule: every step becomes
// tasks named by its step id, in plan order, on the hosts the plan says; each action's tasks come from
// its own module (core/actions), the one that also runs it, so both judge it the same way. Per-host
// values are filled by the runner's own function (actions/template.ts) with Ansible's per-host
// variables. A step with no faithful form refuses the whole export with a message naming it. No secret
// value is ever in the export: Ansible reads them from the environment.
import { Document } from 'yaml';
import type { Plan, SecretPiece, Step } from '../../common/api/plan';
import { ansibleTasks, mapTemplates } from '../actions';
import { BECOME, REINSTALL, judgeVars, okExpr, tail, text, varId, type AnsibleStep, type Task } from '../actions/ansible-kit';
import { envLookup, envNameOf, escapeLiteral, HOST_VARS, HOSTKEY_VAR, hostSentinel, jstr, merged, renderShell, secretPieces, toJinja, unmappable, type JText } from '../actions/jinja';
import { hostChecks, LOCAL_NOW, LOCAL_TZ } from '../actions/probe/ansible';
import { OutpostError } from '../errors';
import { checkPlan, PlanError, uninstallPlan } from '../plan';
import { exportReadme } from './readme';
import { ANSIBLE_CFG, groupVars, inventory, knownHosts, nameHosts, sshConfig } from './inventory';
import type { AnsibleExport, AnsibleExportOptions, ExportedHost } from './types';

export type { AnsibleExport, AnsibleExportOptions, ExportedHost, ExportHostKey } from './types';

/** A step as the playbook runs it: per-host placeholders become the host's inventory variables (titles stay as written). */
function forAnsible(s: Step): Step {
  // Every {host.<name>} is a host variable: address and name are built in, the others the host list's columns.
  const fill = (t: string) => t.replace(/\{(host\.[a-z][A-Za-z0-9_]*)\}/g, (_m, k: string) => hostSentinel(k));
  return { ...s, action: mapTemplates(s.action, fill), ...(s.guard ? { guard: { ...s.guard, probes: mapTemplates(s.guard.probes, fill) } } : {}) };
}

class Exporter {
  readonly files: Record<string, string> = {};
  readonly env = new Map<string, Set<string>>();
  readonly warnings: string[] = [];
  private readonly guards = new Map<string, number>();
  /** Guards whose verdict is known for every later step (evaluated by a step that cannot bypass it). */
  private readonly guardSettled = new Set<number>();
  readonly hosts: ExportedHost[];
  readonly names: Map<string, string>;

  constructor(
    readonly plan: Plan,
    readonly opts: AnsibleExportOptions,
  ) {
    ({ hosts: this.hosts, names: this.names } = nameHosts(plan));
  }

  private name(id: string): string {
    return this.names.get(id) ?? id;
  }

  /** What the export cannot reproduce faithfully at the level of the plan, refused before anything is built (actions refuse their own). */
  check(): void {
    const p = this.plan;
    if (p.os !== 'linux') throw unmappable(p.steps.find((s) => s.on === 'targets' && s.phase !== 'connect')?.id ?? 'connect', `the plan installs on ${p.os} hosts; the export maps Linux hosts (POSIX shells) only`);
    if (p.hosts.proxies?.length) throw unmappable(p.steps.find((x) => /^proxy\d+$/.test(x.on))?.id ?? 'tunnel', 'it runs on the proxy of a remote tunnel (ssh -R), which the export does not map');
    for (const s of p.steps) {
      // A fetch on this computer is the controller's (delegated to localhost, before the targets' steps).
      const local = s.on === 'local' && (s.action.kind === 'instruction' || s.action.kind === 'fetch');
      if (!/^(console|targets|jump\d+)$/.test(s.on) && !local) throw unmappable(s.id, `it runs on "${s.on}", which is not a host of the export`);
      if ((s.on === 'console' || s.on === 'local') && s.action.kind !== 'instruction' && !local) throw unmappable(s.id, 'it runs on this computer; the export runs on the hosts only');
    }
    for (const h of [...p.hosts.jumps.map((j) => ({ id: j.id, v: [j.ssh.host, j.privateIp] })), ...p.hosts.targets.map((t) => ({ id: t.id, v: [t.ssh.host, t.name ?? t.ssh.host, ...Object.values(t.vars ?? {})] }))]) {
      for (const v of h.v) if (!/^[A-Za-z0-9._:-]+$/.test(v)) throw unmappable('connect', `{host.address}/{host.name} of ${h.id} would be "${v}", which has characters a command or file cannot take as they are`);
    }
    if (p.hosts.thisComputer) this.warnings.push('this computer (answers: thisComputer) is not in the export: Ansible runs from it, so run `outpost run` for it');
  }

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

  /** Writes a template file; returns the lookup that renders it (on the controller, with the host's variables). */
  private template(file: string, body: JText): string {
    this.files[`templates/${file}`] = toJinja(body);
    return `{{ lookup('ansible.builtin.template', ${jstr(file)}, convert_data=False) }}`;
  }

  /** A task running a script on the host: `bash -s` / `sh -s` with the script on stdin, as the runner does (nothing on a process list). */
  private scriptTask(name: string, shell: 'bash' | 'sh', file: string, body: JText, extra: Task): Task {
    return { name: text(name), 'ansible.builtin.command': { argv: [shell, '-s'], stdin: this.template(file, body) }, ...extra };
  }

  private stepContext(s: Step, when: (extra?: string) => Record<string, string>): AnsibleStep {
    return {
      step: s,
      title: `${s.id}: ${s.title}`,
      reg: `outpost_r_${varId(s.id)}`,
      when,
      scriptTask: (n, sh, f, b, e) => this.scriptTask(n, sh, f, b, e),
      template: (f, b) => this.template(f, b),
      file: (rel, content) => void (this.files[rel] = content),
      useSecret: (p) => this.useSecret(p, s.id),
      render: () => this.render(s),
      checks: () => ({ ...this.render(s), localNow: LOCAL_NOW, localTz: LOCAL_TZ, peer: HOST_VARS['host.address'] }),
      packages: this.opts.packages,
    };
  }

  /** Tasks that evaluate a step's guard (once per distinct guard, when first needed), and the step's `when`. */
  private guard(s: Step): { tasks: Task[]; when: string | null } {
    if (!s.guard) return { tasks: [], when: null };
    const key = JSON.stringify(s.guard.probes);
    const n = this.guards.get(key) ?? this.guards.size + 1;
    this.guards.set(key, n);
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
    const { text: body, shell } = hostChecks(s.guard.probes, this.stepContext(s, () => ({})).checks());
    const tasks: Task[] = [
      this.scriptTask(`${s.id} (already done? ${s.guard.says})`, shell, `guard-${n}.sh.j2`, body, { register: reg, changed_when: false, failed_when: false, when: `${fact} is not defined${notBypassed}` }),
      {
        name: text(`${s.id} (already done?)`),
        'ansible.builtin.set_fact': { [fact]: `{{ ('OUTPOST_CHECK pass' in ${reg}.stdout) and ('OUTPOST_CHECK warn' not in ${reg}.stdout) and ('OUTPOST_CHECK FAIL' not in ${reg}.stdout) }}` },
        when: `${reg} is not skipped`,
      },
      skipped,
    ];
    return { tasks, when: stepWhen };
  }

  /** The vendor's remedy (an exec step) as tasks: its failure only warns (the point is a clean slate). */
  private remedyTasks(s: Step, when: string | null): Task[] {
    const r = this.plan.steps.find((x) => x.id === s.onFailure?.remedy && x.on === s.on);
    if (!r) return [];
    const a = forAnsible(r).action;
    if (a.kind !== 'exec') throw unmappable(r.id, `the remedy is a ${a.kind} action; the export maps remedy commands only`);
    if (a.shell !== 'bash' && a.shell !== 'sh') throw unmappable(r.id, `it runs in ${a.shell}; the export maps POSIX shells (bash, sh) only`);
    const reg = `outpost_r_${varId(r.id)}`;
    const envs = secretPieces(a.command).map((p) => this.useSecret(p, r.id));
    return [
      this.scriptTask(`${r.id}: ${r.title}`, a.shell, `${r.id}.sh.j2`, merged(renderShell(a.command, a.shell, this.render(r))), {
        register: reg,
        changed_when: true,
        failed_when: false,
        timeout: a.timeoutSec,
        ...(envs.length ? { no_log: true } : {}),
        ...(a.root ? { become: BECOME } : {}),
        ...(when ? { when } : {}),
      }),
      {
        name: text(`${r.id} (result)`),
        vars: judgeVars(r, a),
        'ansible.builtin.debug': { msg: `{% if ${okExpr(a, reg)} %}{{ ${tail(reg)} }}{% else %}uninstall did not succeed ({{ ${tail(reg, 2)} }}); installing anyway{% endif %}` },
        when: `${reg} is not skipped`,
      },
    ];
  }

  /**
   * The tasks of one step on its host(s): its remedy before it in a reinstall, its guard, its action. With
   * `retry: once` the step is a block whose rescue runs the remedy and the step once more, as the runner does.
   */
  stepTasks(raw: Step): Task[] {
    // The action with each host's variables filled in; the step itself as the plan has it (its ids and
    // paths are what the export's package checks know it by).
    const s = forAnsible(raw);
    if (s.action.kind === 'instruction') return ansibleTasks(s.action, this.stepContext(raw, () => ({})));
    const g = this.guard(s);
    const when = (extra?: string): Record<string, string> => {
      const parts = [g.when, extra].filter((x): x is string => Boolean(x));
      return parts.length ? { when: parts.length === 1 ? (parts[0] as string) : parts.map((x) => `(${x})`).join(' and ') } : {};
    };
    const action = ansibleTasks(s.action, this.stepContext(raw, when));
    // A warn-only step (the check's tunnel health): its failure is reported and the play goes on, as in the runner.
    if (s.warnOnly) return [...g.tasks, ...action.map((t) => ({ ...t, ignore_errors: true }))];
    if (s.onFailure?.retry !== 'once') return [...this.remedyTasks(s, REINSTALL), ...g.tasks, ...action];
    const again = ansibleTasks(s.action, this.stepContext(raw, () => ({})));
    return [...this.remedyTasks(s, REINSTALL), ...g.tasks, { name: text(`${s.id}: ${s.title} (on failure: ${s.onFailure.remedy}, then once more)`), block: action, rescue: [...this.remedyTasks(s, null), ...again] }];
  }

  /** Before anything: the secrets are set, host key checking is on, the console steps are printed. */
  private prePlay(): Task {
    const envs = [...this.env.keys()];
    const pre: Task[] = [];
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
    for (const s of this.plan.steps.filter((x) => (x.on === 'console' || x.on === 'local') && x.action.kind === 'instruction')) pre.push(...this.stepTasks(s));
    return { name: 'Outpost: before anything runs', hosts: 'all', gather_facts: false, any_errors_fatal: true, tasks: pre };
  }

  private jumpPlay(j: Plan['hosts']['jumps'][number], tasks: Task[]): Task {
    const connect = this.plan.steps.find((s) => s.id === `connect.${j.id}`);
    return {
      name: text(`Outpost: ${j.label}`),
      hosts: this.name(j.id),
      gather_facts: false,
      tasks: [
        { name: 'Outpost: this jump server was tried', 'ansible.builtin.set_fact': { outpost_jump_started: true } },
        {
          name: 'Outpost: Outpost verified this host key',
          'ansible.builtin.assert': { that: [`${HOSTKEY_VAR} is defined`], fail_msg: `Outpost has not verified the host key of ${escapeLiteral(j.label)}: known_hosts has no line for it. Export again with --accept-new-hostkeys (or run outpost run once).`, quiet: true },
        },
        ...(connect ? this.stepTasks(connect) : []),
        ...tasks,
        { name: 'Outpost: this jump server is done', 'ansible.builtin.set_fact': { outpost_jump_done: true } },
      ],
    };
  }

  private targetPlay(tasks: Task[]): Task {
    const connect = this.plan.steps.find((s) => s.id === 'connect');
    const ready: Task = {
      name: 'Outpost: the jump server in front is ready',
      'ansible.builtin.assert': {
        that: ['outpost_via is not defined or not (hostvars[outpost_via].outpost_jump_started | default(false)) or (hostvars[outpost_via].outpost_jump_done | default(false))'],
        fail_msg: 'Not tried: {{ outpost_via }} failed (see its tasks above).',
        quiet: true,
      },
    };
    return { name: text(`Outpost: ${this.plan.profile.name} on the targets`), hosts: 'outpost_targets', gather_facts: false, tasks: [...(this.plan.hosts.jumps.length ? [ready] : []), ...(connect ? this.stepTasks(connect) : []), ...tasks] };
  }

  playbook(): Task[] {
    const p = this.plan;
    const targetSteps = p.steps.filter((s) => s.on === 'targets' && s.phase !== 'connect' && !(s.optional && s.phase === 'remedy'));
    // Build every step's tasks first: that records the environment variables they read.
    const jumpTasks = p.hosts.jumps.map((j) => ({ j, tasks: p.steps.filter((s) => s.on === j.id && s.phase !== 'connect').flatMap((s) => this.stepTasks(s)) }));
    // What this computer fetches for the targets: on the controller, once, before their steps.
    const fetched = p.steps.filter((s) => s.on === 'local' && s.action.kind === 'fetch').flatMap((s) => this.stepTasks(s));
    const targetTasks = [...fetched, ...this.withTransients(targetSteps)];
    return [this.prePlay(), ...jumpTasks.map(({ j, tasks }) => this.jumpPlay(j, tasks)), ...(p.hosts.targets.length ? [this.targetPlay(targetTasks)] : [])];
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
      if (s.action.kind !== 'writeFile' || !s.action.transient) {
        out.push(...this.stepTasks(s));
        continue;
      }
      const files: Step[] = [s];
      let k = i + 1;
      while (k < steps.length && steps[k]?.action.kind === 'writeFile') files.push(steps[k++] as Step);
      const next = steps[k];
      const block = [...files.flatMap((x) => this.stepTasks(x)), ...(next ? this.stepTasks(next) : [])];
      const paths = files.flatMap((x) => {
        const a = forAnsible(x).action;
        return a.kind === 'writeFile' && a.transient ? [{ path: a.path, root: a.root }] : [];
      });
      out.push({
        name: text(`${s.id}: ${s.title} (removed after ${next?.id ?? 'the last step'})`),
        block,
        always: paths.map((f) => ({ name: text(`${s.id} (remove ${f.path.replace(/\uE000/g, '')})`), 'ansible.builtin.file': { path: escapeLiteral(f.path), state: 'absent' }, ...(f.root ? { become: BECOME } : {}) })),
      });
      i = next ? k : k - 1;
    }
    return out;
  }
}

/** The check's playbook (plan/lifecycle.ts checkPlan), or null when the profile has no verify probes. */
function checkPlayOf(plan: Plan, opts: AnsibleExportOptions): { text: string; files: Record<string, string> } | null {
  if (!plan.steps.some((s) => s.id === 'verify' && s.on === 'targets')) return null;
  const x = new Exporter(checkPlan(plan), opts);
  x.check();
  return { text: new Document(x.playbook()).toString({ lineWidth: 0 }), files: x.files };
}

/** The uninstall's playbook (plan/lifecycle.ts uninstallPlan), or null when the profile has no uninstall step or no verify probes. */
function uninstallPlayOf(plan: Plan, opts: AnsibleExportOptions): { text: string; files: Record<string, string> } | { warning: string } | null {
  try {
    const x = new Exporter(uninstallPlan(plan), opts);
    x.check();
    return { text: new Document(x.playbook()).toString({ lineWidth: 0 }), files: x.files };
  } catch (err) {
    if (err instanceof PlanError) return null;
    // site.yml maps, its uninstall does not (a step the export cannot map): the export goes on without it, and says so.
    if (err instanceof OutpostError && err.code === 'export.unmappable') return { warning: `uninstall.yml is not in the export: ${err.message}` };
    throw err;
  }
}

/** A lifecycle playbook's templates beside site.yml's (named by step id: the same file must have the same body). */
function addFiles(files: Record<string, string>, more: Record<string, string>, name: string): void {
  for (const [f, body] of Object.entries(more)) {
    if (files[f] !== undefined && files[f] !== body) throw new OutpostError('export.internal', `${name} and site.yml disagree on ${f}.`, 'This is a bug in Outpost.');
    files[f] = body;
  }
}

/** Builds the export. Throws OutpostError `export.unmappable` naming the step that has no faithful mapping. */
export function exportAnsible(plan: Plan, opts: AnsibleExportOptions): AnsibleExport {
  const x = new Exporter(plan, opts);
  x.check();
  const plays = x.playbook();
  const inv = inventory(plan, x.names, opts);
  const files: Record<string, string> = { ...x.files };
  const head = `# Generated by Outpost ${opts.version} from the plan of ${plan.profile.name} (${plan.profile.id} v${plan.profile.version}, ${plan.os}, ${plan.mode}).\n# Task names start with the plan's step ids (outpost plan shows the same steps). README.md says how to run it.\n`;
  files['site.yml'] = head + new Document(plays).toString({ lineWidth: 0 });
  // check.yml: `outpost check` for the same inventory (read-only: probes only, changed=0 always).
  const check = checkPlayOf(plan, opts);
  if (check) {
    // Its templates are named by step id like site.yml's (verify's is the same file): both sets go in.
    addFiles(files, check.files, 'check.yml');
    files['check.yml'] = `# Generated by Outpost ${opts.version}: outpost check for ${plan.profile.name} (read-only: each jump server's tunnel, then the agent's verify probes on each target; changed=0).\n${check.text}`;
  }
  // uninstall.yml: `outpost uninstall` for the same inventory (the profile's uninstall steps, then the proof the agent is gone).
  const uninstall = uninstallPlayOf(plan, opts);
  if (uninstall && 'warning' in uninstall) x.warnings.push(uninstall.warning);
  else if (uninstall) {
    addFiles(files, uninstall.files, 'uninstall.yml');
    files['uninstall.yml'] = `# Generated by Outpost ${opts.version}: outpost uninstall for ${plan.profile.name} (the profile's uninstall steps on each target, then its verify probes turned round: removed only when the agent is gone; the jump servers' tunnels stay).\n${uninstall.text}`;
  }
  files['inventory.yml'] = inv.text;
  files['known_hosts'] = knownHosts(x.hosts, opts);
  if (plan.hosts.jumps.length && plan.hosts.targets.some((t) => t.via)) files['ssh_config'] = sshConfig(plan, x.names);
  files['ansible.cfg'] = ANSIBLE_CFG;
  files['group_vars/all.yml'] = groupVars([...x.env.keys()]);
  const hostsWithoutKey = x.hosts.filter((h) => !opts.hostKeys[h.id]?.length);
  const env = [...x.env].map(([name, what]) => ({ name, what: [...what] }));
  const warnings = [...x.warnings];
  const jumpsWithPassword = plan.hosts.jumps.filter((j) => j.ssh.auth.kind === 'password' && plan.hosts.targets.some((t) => t.via === j.id));
  if (jumpsWithPassword.length) {
    warnings.push(`${jumpsWithPassword.map((j) => j.label).join(', ')} ${jumpsWithPassword.length > 1 ? 'log' : 'logs'} in with a password: Ansible reaches the targets behind ${jumpsWithPassword.length > 1 ? 'them' : 'it'} through an ssh hop that cannot be given one — load a key for it into ssh-agent (README.md)`);
  }
  files['README.md'] = exportReadme({ plan, x: { hosts: x.hosts, hostsWithoutKey, env, passwordHosts: inv.passwordHosts, warnings }, opts, files: Object.keys(files) });
  return { files, hosts: x.hosts, hostsWithoutKey, env, passwordHosts: inv.passwordHosts, warnings };
}
