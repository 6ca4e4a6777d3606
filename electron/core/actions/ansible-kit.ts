// What the actions' Ansible forms share: task shapes, the runner's verdict as Jinja expressions, and
// the step context the export gives each action (its `when:`, templates, secrets from the environment).
// Text a profile wrote reaches Ansible as !unsafe or escaped (./jinja.ts): only what Ansible fills in
// (secrets, per-host values, verified host keys) is an expression.
import { Scalar } from 'yaml';
import type { SecretPiece, Step } from '../../common/api/plan';
import type { CheckContext } from './probe/ansible';
import type { JText, RenderContext } from './jinja';

export type Task = Record<string, unknown>;

/** The local packages the export checked: SHA-256 by local path and by upload destination, archives whose entries were checked. */
export interface ExportPackages {
  byLocal: ReadonlyMap<string, string>;
  byRemote: ReadonlyMap<string, string>;
  checkedArchives: ReadonlySet<string>;
}

/** What the export gives one step's action. */
export interface AnsibleStep {
  readonly step: Step;
  /** `<id>: <title>`, the task name. */
  readonly title: string;
  /** The name its main task registers. */
  readonly reg: string;
  /** The step's `when:` (its guard), with an extra condition. */
  when(extra?: string): Record<string, string>;
  /** A task running a script on the host: `bash -s` / `sh -s` with the script on stdin, as the runner does. */
  scriptTask(name: string, shell: 'bash' | 'sh', file: string, body: JText, extra: Task): Task;
  /** Writes templates/<file>; returns the lookup that renders it on the controller. */
  template(file: string, body: JText): string;
  /** Adds a file to the export (relative path → content). */
  file(rel: string, content: string): void;
  /** The environment variable a secret is read from (and records that the playbook reads it). */
  useSecret(p: SecretPiece): string;
  render(): RenderContext;
  checks(): CheckContext;
  readonly packages: ExportPackages | undefined;
}

export const BECOME = '{{ outpost_sudo | default(false) | bool }}';
export const REINSTALL = '(outpost_reinstall | default(false) | bool)';
export const OVERRIDE = '(outpost_override_preflight | default(false) | bool)';

/** `root: true` as Ansible says it: become root (sudo) when the login user is not root. */
export const become = (root: boolean): Task => (root ? { become: BECOME } : {});

/** Text Ansible must not template (a profile's words, a title): marked !unsafe when it holds a `{`. */
export function text(s: string): string | Scalar {
  if (!s.includes('{')) return s;
  const sc = new Scalar(s);
  sc.tag = '!unsafe';
  return sc;
}

/** A literal string Ansible must take as it is (a marker, a pattern, a hint): always !unsafe. */
export function unsafe(s: string): Scalar {
  const sc = new Scalar(s);
  sc.tag = '!unsafe';
  return sc;
}

export const varId = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');
export const octal = (m: number) => `0${m.toString(8).padStart(3, '0')}`;
/**
 * The output of a registered script: its stderr is merged into stdout by the script itself ({ …; } 2>&1),
 * so the order is the one the runner sees. (No backslash may appear inside {{ }} of a playbook string:
 * Ansible doubles them there. Literal markers, patterns and hints reach expressions as !unsafe task vars.)
 */
export const OUT = (r: string) => `(${r}.stdout | default(''))`;

/** Every secret of the plan masked as **** in output Ansible shows (`outpost_mask` in group_vars/all.yml is their pattern). */
export function mask(expr: string): string {
  return `(${expr} | regex_replace(outpost_mask, '****') if outpost_mask | default('') else ${expr})`;
}

/** The last lines of a registered script's output, masked, joined with ` | `. */
export function tail(r: string, lines = 5): string {
  return `(${mask(OUT(r))}).strip().splitlines()[-${lines}:] | join(' | ')`;
}

interface Judged {
  success: { exitCode?: number | undefined; markers?: string[] | undefined };
  failureMarkers: string[];
  diagnosis?: Array<{ pattern: string; hint: string }>;
}

/** Literal words a judge reads, as !unsafe task vars (never templated, backslashes kept). */
export function judgeVars(s: Step, a: Judged): Task {
  return {
    outpost_failure: a.failureMarkers.map(unsafe),
    outpost_success: (a.success.markers ?? []).map(unsafe),
    outpost_diagnosis: (a.diagnosis ?? []).map((d) => ({ pattern: unsafe(d.pattern), hint: unsafe(d.hint) })),
    outpost_hint: unsafe(s.onFailure?.hint ?? 'The output above shows the cause.'),
    outpost_title: unsafe(s.title),
  };
}

/** The runner's verdict on an exec action (outcomeOf): failure markers win; then exit code and success markers. */
export function okExpr(a: Judged, reg: string): string {
  const out = OUT(reg);
  const parts = [
    ...(a.failureMarkers.length ? [`(outpost_failure | select('in', ${out}) | list | length == 0)`] : []),
    ...(a.success.exitCode !== undefined ? [`(${reg}.rc == ${a.success.exitCode})`] : []),
    ...(a.success.markers?.length ? [`(outpost_success | select('in', ${out}) | list | length > 0)`] : []),
  ];
  return parts.length ? `(${parts.join(' and ')})` : 'true';
}

/** The runner's failure message for an exec step, with the profile's diagnosis as the hint. */
export function failMsg(a: Judged, reg: string): string {
  const out = OUT(reg);
  const masked = mask(out);
  const rc = a.success.exitCode !== undefined ? `{% elif ${reg}.rc != ${a.success.exitCode} %}it exited with code {{ ${reg}.rc }}` : '';
  return (
    `{% set outpost_said = outpost_failure | select('in', ${out}) | list %}` +
    `{{ outpost_title }} failed on {{ inventory_hostname }}: ` +
    `{% if outpost_said %}the output says "{{ outpost_said | first }}"${rc}{% else %}its success message ({{ outpost_success | join(' / ') }}) did not appear{% endif %}. ` +
    `Last output: {{ ${tail(reg)} }} — hint: ` +
    `{% for d in outpost_diagnosis if ${masked} is search(d.pattern) %}{% if loop.first %}{{ d.hint }}{% endif %}{% else %}{{ outpost_hint }}{% endfor %}`
  );
}

/** A script's result judged as the runner judges an exec step: an assert task after the script task. */
export function judgeTask(s: Step, a: Judged, reg: string, failMessage = failMsg(a, reg)): Task {
  return {
    name: text(`${s.id} (result)`),
    vars: judgeVars(s, a),
    'ansible.builtin.assert': { that: [okExpr(a, reg)], success_msg: `{{ ${tail(reg)} or 'done' }}`, fail_msg: failMessage, quiet: false },
    when: `${reg} is not skipped`,
  };
}
