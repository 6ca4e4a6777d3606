// Text for Ansible, which runs every string it reads through Jinja: what Outpost wrote as literal text
// (a script, a file's content, a profile's hint) must reach the host exactly as written, and only the
// values Ansible fills in (secrets from the environment, per-host values, the jump server's verified
// host key) are Jinja expressions. A script is built as segments — literal text or an expression —
// and written with every `{` of literal text escaped as `{{ '{' }}`: with no `{` left, Jinja finds no
// `{{`, `{%` or `{#` in it, so nothing of it is interpreted (`}` alone is plain text to Jinja).
import type { Piece, SecretPiece, SecretRef, Shell } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { quotePosix } from '../quote';
import { storedEnvName } from '../secrets/env';

/** Per-host values the runner fills in on each host, and the inventory variable holding each one. */
export const HOST_VARS = { 'host.address': 'outpost_host_address', 'host.name': 'outpost_host_name' } as const;
/** A jump server's verified host key ("ssh-ed25519 AAAA…"): the `hostkey.jumpN` fact of a run. */
export const HOSTKEY_VAR = 'outpost_hostkey';

export type Segment = { t: string } | { j: string };
export type JText = Segment[];

export const lit = (t: string): Segment => ({ t });
export const expr = (j: string): Segment => ({ j });

/** A Jinja string literal for any text (Jinja decodes backslash escapes in string literals). */
export function jstr(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/**
 * How the export fills a per-host placeholder (actions/template.ts, the runner's own filling): a marker
 * no answer can hold, which escapeLiteral turns into the host's inventory variable.
 */
export const hostSentinel = (name: string) => `\uE000${name}\uE000`;

/**
 * A filled per-host placeholder (hostSentinel) that is a number (a port): the variable through `| int`,
 * so whatever the inventory holds reaches the shell as digits. Refused unless it is one placeholder alone.
 */
export function hostIntSentinel(filled: string): string {
  const m = /^\uE000(host\.[A-Za-z0-9_]+)\uE000$/.exec(filled);
  if (!m) throw new OutpostError('export.unmappable', `a port of "${filled.replace(/\uE000/g, '')}" is not one per-host value ({host.<column>}) alone`, 'Write the port as {host.<column>}.');
  return `\uE001${m[1]}\uE001`;
}

/** Literal text as template text: filled per-host values become their variables, every other `{` is escaped. */
export function escapeLiteral(text: string): string {
  const name = (part: string) => HOST_VARS[part as keyof typeof HOST_VARS] ?? `outpost_${part.replace('.', '_')}`;
  return text
    .split(/(\uE000host\.[A-Za-z0-9_]+\uE000|\uE001host\.[A-Za-z0-9_]+\uE001)/)
    .map((part, i) => (i % 2 === 0 ? part.replace(/\{/g, "{{ '{' }}") : part.startsWith('\uE001') ? `{{ ${name(part.slice(1, -1))} | int }}` : `{{ ${name(part.slice(1, -1))} }}`))
    .join('');
}

/** A script whose output the judge reads: stderr merged into stdout, in order. */
export const merged = (body: JText): JText => [lit('{\n'), ...body, lit('\n} 2>&1\n')];

export function toJinja(text: JText): string {
  return text.map((s) => ('t' in s ? escapeLiteral(s.t) : `{{ ${s.j} }}`)).join('');
}

/** Whether text needs Jinja to reach a host as written (a `{`), i.e. must be escaped or marked !unsafe. */
export const hasBrace = (s: string) => s.includes('{');

/** The environment variable a secret is read from: the answers' own `{ env }` name, else the one `outpost run` reads a stored secret from (OUTPOST_SECRET_<KEY>). */
export function envNameOf(ref: SecretRef, _name: string): string {
  return 'env' in ref ? ref.env : storedEnvName(ref.stored);
}

export const envLookup = (name: string) => `lookup('ansible.builtin.env', ${jstr(name)})`;

export interface RenderContext {
  /** Where a secret piece's value comes from (an environment variable name). */
  env: (p: SecretPiece) => string;
  /** `{ fact }` pieces the export can fill in: fact name → Jinja expression. */
  facts: Record<string, string>;
  /** For messages: the step being rendered. */
  stepId: string;
}

function unmappable(stepId: string, why: string): OutpostError {
  return new OutpostError('export.unmappable', `Step ${stepId}: ${why}.`, 'Nothing was written. Run this plan with `outpost run` instead, or change the answers or the profile.');
}

/**
 * A command's pieces as POSIX shell text, exactly as the runner renders them for bash/sh (each plain
 * word quoted with quotePosix, `op` verbatim), with secrets and facts as Jinja expressions quoted for
 * the shell by Ansible's `quote` filter (single quotes, like quotePosix).
 */
export function renderShell(pieces: readonly Piece[], shell: Shell, c: RenderContext): JText {
  if (shell !== 'bash' && shell !== 'sh') throw unmappable(c.stepId, `it runs in ${shell}; the export maps POSIX shells (bash, sh) only`);
  const out: JText = [];
  const sep = () => {
    if (out.length) out.push(lit(' '));
  };
  const secret = (p: SecretPiece) => expr(`${envLookup(c.env(p))} | quote`);
  for (const p of pieces) {
    sep();
    if (typeof p === 'string') out.push(lit(quotePosix(p)));
    else if ('op' in p) out.push(lit(p.op));
    else if ('secret' in p) out.push(secret(p));
    else if ('fact' in p) {
      const e = c.facts[p.fact];
      if (!e) throw unmappable(c.stepId, `it needs the run-time value ${p.fact}, which the export cannot provide`);
      out.push(expr(`${e} | quote`));
    } else {
      out.push(lit(`${p.assign}=`));
      out.push(typeof p.value === 'string' ? lit(quotePosix(p.value)) : secret(p.value));
    }
  }
  return out;
}

/** Every secret piece of a list of pieces (and of assign values). */
export function secretPieces(pieces: ReadonlyArray<Piece | SecretPiece>): SecretPiece[] {
  const out: SecretPiece[] = [];
  for (const p of pieces) {
    if (typeof p === 'string' || 'op' in p || 'fact' in p) continue;
    if ('secret' in p) out.push(p);
    else if (typeof p.value !== 'string') out.push(p.value);
  }
  return out;
}

export { unmappable };
