// exec: a command built from argv pieces for one shell, judged by exit code, failure and success
// markers; the profile's diagnosis turns known output into a code and a hint. `root` runs it as root.
// The runner and the playbook judge it by the same rule (outcomeOf / okExpr).
import type { Action } from '../../common/api/plan';
import { renderCmdForStdin, renderExec, renderPieces } from '../render';
import { ExecError } from '../ssh';
import { recordConfirmations } from './confirm';
import { become, judgeTask } from './ansible-kit';
import { merged, renderShell, secretPieces, unmappable } from './jinja';
import { StepFailure, type ActionModule, type StepContext } from './types';

type Exec = Extract<Action, { kind: 'exec' }>;

/** A step's outcome from its output and exit code: failure markers win; then exit code and success markers. */
export function outcomeOf(a: { success: { exitCode?: number | undefined; markers?: string[] | undefined }; failureMarkers: string[] }, output: string, exitCode: number | null) {
  const failed = a.failureMarkers.find((m) => output.includes(m));
  const exitOk = a.success.exitCode === undefined || exitCode === a.success.exitCode;
  const markers = a.success.markers ?? [];
  const markerOk = markers.length === 0 || markers.some((m) => output.includes(m));
  return { ok: !failed && exitOk && markerOk, exitCode, failed, exitOk, markerOk };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const lines = (out: string) => out.replace(ANSI, '').split(/\r?\n|\r/).map((l) => l.trim()).filter(Boolean);

/**
 * A step on a jump server or proxy may hand a value to a later step (the proxy's tunnel key for the
 * jump server's authorized_keys): `OUTPOST_FACT <kind>.<this host's id> <value>`, one line. Only facts
 * named after the host that printed them are taken.
 */
function takeFacts(c: StepContext, output: string): void {
  if (!/^(jump|proxy|seed)\d*$/.test(c.hostId)) return;
  for (const m of output.matchAll(/^OUTPOST_FACT ([a-z]+)\.([a-z]+\d*) ([A-Za-z0-9+/=@._: -]{1,4000})\r?$/gm)) if (m[2] === c.hostId) c.facts[`${m[1]}.${m[2]}`] = (m[3] ?? '').trim();
}

/** Why the step failed, leading with the cause the output gives (a diagnosed line) before Outpost's own words. */
function failure(c: StepContext, a: Exec, output: string, o: ReturnType<typeof outcomeOf>): StepFailure {
  const why = o.failed ? `the output says "${o.failed}"` : !o.exitOk ? `it exited with code ${o.exitCode ?? 'none (killed)'}` : `its success message (${(a.success.markers ?? []).join(' / ')}) did not appear`;
  const diag = a.diagnosis.find((d) => new RegExp(d.pattern).test(output));
  const all = lines(c.secrets.redact(output));
  // Outpost's own scripts say why with an OUTPOST_FAIL line; a diagnosed line of the output is the cause otherwise.
  const said = all.find((l) => l.startsWith('OUTPOST_FAIL '))?.slice('OUTPOST_FAIL '.length);
  const cause = said ?? (diag ? all.find((l) => new RegExp(diag.pattern).test(l)) : undefined);
  const last = all.slice(-5).join(' | ');
  const code = diag?.code ?? (c.step.phase === 'install' ? 'install_failed' : 'step_failed');
  const hint = diag?.hint ?? c.step.onFailure?.hint ?? 'The output above shows the cause.';
  const head = `${c.step.title} failed on ${c.host}: ${cause ? `${cause} (${why})` : why}.`;
  return new StepFailure(c.step.id, code, `${head}${!cause && last ? ` Last output: ${last}` : ''}`, hint);
}

export const exec: ActionModule<'exec'> = {
  kind: 'exec',
  validate(a) {
    const out: string[] = [];
    if (a.interactive && a.shell === 'powershell') out.push('interactive: a PowerShell step cannot be interactive');
    for (const d of a.diagnosis) {
      try {
        new RegExp(d.pattern);
      } catch {
        out.push(`diagnosis pattern ${JSON.stringify(d.pattern)} is not a regular expression`);
      }
    }
    return out;
  },
  display: (a) => renderPieces(a.command, a.shell, 'display'),
  async run(a, c) {
    // cmd (this computer, or Windows over SSH, interactive or not): secrets reach cmd on stdin (same-process
    // expansion), never in the text or on a command line. Every other shell gets the whole text on stdin.
    const viaStdin = a.shell === 'cmd' ? renderCmdForStdin(a, c.resolver, c.secrets, c.facts) : null;
    const script = viaStdin ? viaStdin.text : renderExec(a, 'exec', c.resolver, c.secrets, c.facts);
    c.echo(renderPieces(a.command, a.shell, 'display', undefined, c.secrets, c.facts));
    const respond = a.respond?.map((p) => ({ pattern: new RegExp(p.pattern), answer: typeof p.answer === 'string' ? p.answer : c.secret(p.answer.secret, p.answer.name), max: p.max }));
    let r: { exitCode: number | null; output: string };
    try {
      r = await c.ex.run(a.shell, script, {
        signal: c.signal,
        timeoutMs: a.timeoutSec * 1000,
        root: a.root,
        interactive: a.interactive,
        ...(viaStdin?.secrets.length ? { secrets: viaStdin.secrets } : {}),
        ...(respond?.length ? { respond } : {}),
        ...(c.onInput ? { onInput: (s) => c.onInput?.(s) } : {}),
        onData: (t) => c.output(t),
      });
    } catch (err) {
      // A program that installs other hosts may have confirmed some before it stopped (timeout, lost connection).
      if (!a.confirms || !(err instanceof ExecError) || err.code === 'cancelled') throw err;
      recordConfirmations(c.facts, c.step.id, a.confirms, err.outputTail, { error: err.message });
      return { status: 'warning', message: err.message };
    }
    if (a.confirms) {
      recordConfirmations(c.facts, c.step.id, a.confirms, r.output, { exitCode: r.exitCode });
      return { message: `the installer ended (exit code ${r.exitCode ?? 'none'}); each host's confirmation is its own step` };
    }
    const o = outcomeOf(a, r.output, r.exitCode);
    if (!o.ok) throw failure(c, a, r.output, o);
    takeFacts(c, r.output);
    return {};
  },
  ansible(a, c) {
    if (a.interactive) throw unmappable(c.step.id, 'it needs a person at a terminal (an interactive command), which Ansible cannot be');
    if (a.shell !== 'bash' && a.shell !== 'sh') throw unmappable(c.step.id, `it runs in ${a.shell}; the export maps POSIX shells (bash, sh) only`);
    const envs = secretPieces(a.command).map((p) => c.useSecret(p));
    const body = merged(renderShell(a.command, a.shell, c.render()));
    return [
      c.scriptTask(c.title, a.shell, `${c.step.id}.sh.j2`, body, {
        register: c.reg,
        changed_when: true,
        // Judged by the next task (the runner's rules), which also shows the output with secrets masked.
        failed_when: false,
        timeout: a.timeoutSec,
        ...(envs.length ? { no_log: true } : {}),
        ...become(a.root),
        ...c.when(),
      }),
      judgeTask(c.step, a, c.reg),
    ];
  },
};

