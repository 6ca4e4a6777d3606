// "Paste the command from the console": reads the install command a vendor console generated, as the
// profile's consoleCommand describes it (flags → inputs), keeping unknown flags verbatim so Outpost runs
// what the console generated instead of a guess. Secret values come back separately: the caller puts
// them in the secure store (GUI) or asks for them through environment variables (CLI).
import { parse as parseShell, type ParseEntry } from 'shell-quote';
import { SECRET_WORD, type ConsoleCommand } from './console-command-schema';
import type { Profile } from './schema';

export interface ConsoleCommandResult {
  /** Non-secret inputs (text, or a list for the extra-args input). */
  inputs: Record<string, string | string[]>;
  /** Secret inputs as they were pasted: never log or print them. */
  secrets: Record<string, string>;
  region?: string;
  accessIp?: string;
  dc?: string;
  problems: string[];
}

type Tok = { word: string } | { op: string };

function posixTokens(text: string): Tok[] {
  // Variables are left as written ($X stays "$X"): the console writes literal values.
  const entries: ParseEntry[] = parseShell(text, (name) => `$${name}`);
  return entries.map((e) => (typeof e === 'string' ? { word: e } : 'op' in e ? { op: String(e.op) } : { word: String((e as { comment?: string }).comment ?? '') }));
}

/** cmd.exe words: whitespace-separated, "double quotes" group, && & | are operators. */
function cmdTokens(text: string): Tok[] {
  const out: Tok[] = [];
  const re = /"([^"]*)"|(&&|&|\|\||\|)|([^\s"&|]+)/g;
  for (const m of text.matchAll(re)) {
    if (m[2]) out.push({ op: m[2] });
    else out.push({ word: m[1] ?? m[3] ?? '' });
  }
  return out;
}

const basename = (w: string) => w.split(/[\\/]/).pop() ?? w;

/** Runs a program (or sources a script) rather than taking it as an argument. */
const WRAPPERS = new Set(['bash', 'sh', 'sudo', 'env', 'nohup', 'source', '.', 'call', 'cmd', 'cmd.exe', 'powershell', 'powershell.exe']);

/**
 * Where the program is in the command position of a segment: after NAME=value assignments and
 * wrappers (bash, sudo, `.`…) with their options; -1 when the segment does not run it. A URL or a
 * redirect that merely names the script (`curl https://…/install.sh`) is not a run of it.
 */
function programAt(seg: string[], program: string): number {
  let i = 0;
  while (i < seg.length) {
    const w = seg[i] ?? '';
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || (i > 0 && /^[-/][A-Za-z]/.test(w) && WRAPPERS.has(basename(seg[i - 1] ?? '').toLowerCase()))) i++;
    else if (WRAPPERS.has(basename(w).toLowerCase())) i++;
    else break;
  }
  return i < seg.length && basename(seg[i] ?? '') === program ? i : -1;
}

export function parseConsoleCommand(profile: Profile, os: 'linux' | 'windows', text: string): ConsoleCommandResult {
  const res: ConsoleCommandResult = { inputs: {}, secrets: {}, problems: [] };
  const cc = profile.consoleCommand?.[os];
  if (!cc) {
    res.problems.push(`${profile.name} has no console command to read for ${os}`);
    return res;
  }
  const toks = os === 'windows' ? cmdTokens(text) : posixTokens(text.replace(/\r/g, ''));
  // The segment (between operators) that runs the program: [NAME=value…] [bash|sh] program flags…
  let segment: string[] | null = null;
  let current: string[] = [];
  const segments: string[][] = [];
  for (const t of toks) {
    if ('op' in t) {
      segments.push(current);
      current = [];
      if (t.op === '>' || t.op === '>>') current.push('\u0000redirect');
    } else current.push(t.word);
  }
  segments.push(current);
  let at = -1;
  for (const s of segments) {
    if (s[0] === '\u0000redirect') continue;
    const i = programAt(s, cc.program);
    if (i >= 0) {
      segment = s;
      at = i;
      break;
    }
  }
  if (!segment) {
    res.problems.push(`this is not ${profile.name}'s ${os} install command: it does not run ${cc.program}`);
    return res;
  }
  const inputNames = new Map(profile.inputs.map((i) => [i.name, i]));
  const assign = (target: string, value: string, from: string) => {
    if (target === '-') return;
    if (target === 'region' || target === 'accessIp' || target === 'dc') {
      const prev = res[target];
      if (prev !== undefined && prev !== value) res.problems.push(`${from} says ${target} ${value}, but the command also says ${prev}`);
      res[target] = value;
      return;
    }
    const input = inputNames.get(target);
    if (input?.type === 'secret') res.secrets[target] = value;
    else res.inputs[target] = value;
  };
  for (const w of segment.slice(0, at)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(w);
    const target = m?.[1] ? cc.env[m[1]] : undefined;
    if (m?.[1] && target) assign(target, m[2] ?? '', m[1]);
  }
  const extra: string[] = [];
  const rest = segment.slice(at + 1);
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i] ?? '';
    const next = rest[i + 1];
    const hasValue = next !== undefined && !/^-[A-Za-z]/.test(next);
    const target = cc.flags[flag];
    if (target !== undefined) {
      if (!hasValue) {
        res.problems.push(`${flag} has no value`);
        continue;
      }
      assign(target, next, flag);
      i++;
    } else {
      extra.push(flag);
      if (hasValue && flag.startsWith('-')) {
        extra.push(next);
        i++;
      }
    }
  }
  if (cc.extraArgs && extra.length) res.inputs[cc.extraArgs] = extra;
  // The placeholder form is Outpost's own: a pasted word in that form would be read as a secret.
  if (cc.verbatim && segment.some((w) => SECRET_WORD.test(w))) res.problems.push('the command has a word like {secret:NAME}, which Outpost keeps for its own placeholders: copy the command again from the console');
  else if (cc.verbatim) res.inputs[cc.verbatim] = verbatimWords(cc, segment.slice(at), (name) => inputNames.get(name)?.type === 'secret');
  if (cc.urlRegion) {
    const re = new RegExp(cc.urlRegion);
    for (const t of toks) {
      if (!('word' in t)) continue;
      const m = re.exec(t.word);
      const r = m?.groups?.region;
      if (r && res.region && r !== res.region) {
        res.problems.push(`the script is downloaded for region ${r}, but the command installs for region ${res.region}: copy the command again from the console of the region you want`);
      } else if (r && !res.region) res.region = r;
    }
  }
  for (const i of profile.inputs) {
    if (i.required && (!i.os || i.os.includes(os)) && res.inputs[i.name] === undefined && res.secrets[i.name] === undefined) {
      res.problems.push(`the command has no value for ${i.name}${i.source ? ` (${i.source})` : ''}`);
    }
  }
  return res;
}

/**
 * The pasted command as words to run as they are: the program as pasted (a bare name gets the path the
 * profile says it has in the working folder) and every word after it in order, each secret flag's
 * value replaced by `{secret:NAME}` so the value itself stays in the secure store.
 */
function verbatimWords(cc: ConsoleCommand, words: string[], isSecret: (name: string) => boolean): string[] {
  const [program = '', ...rest] = words;
  const out = [cc.programPath && !/[\\/]/.test(program) ? cc.programPath : program];
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i] ?? '';
    out.push(w);
    const target = cc.flags[w];
    const next = rest[i + 1];
    if (target !== undefined && isSecret(target) && next !== undefined && !/^-[A-Za-z]/.test(next)) {
      out.push(`{secret:${target}}`);
      i++;
    }
  }
  return out;
}
