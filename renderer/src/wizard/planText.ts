// How plan steps and run hosts are named in the UI: translated titles (titleKey + params, falling back
// to the plan's English title) and readable host labels.
import i18next from 'i18next';
import type { Plan, Step } from '../../../electron/common/api';
import { transferAmounts } from '../../../electron/common/size';
import { targetName } from '../batch/names';
import { checkDetail, checkName } from '../i18n/checks';

type T = (key: string, params?: Record<string, unknown>) => string;

export function stepTitle(t: T, s: Pick<Step, 'titleKey' | 'params' | 'title' | 'titles'>, lang: string = i18next.language): string {
  const own = s.titles?.[lang];
  if (own) return own;
  // Jump servers are numbered from 1 on screen (the plan counts from 0).
  const n = typeof s.params.index === 'number' ? { n: s.params.index + 1 } : {};
  return t(s.titleKey, { ...s.params, ...n, defaultValue: s.title });
}

/** A run event's step title: the plan's step (every run step id is in the plan), with the host's own values. */
export function runStepTitle(t: T, plan: Plan | null, stepId: string, title: string, host: string): string {
  const s = plan?.steps.find((x) => x.id === stepId);
  if (s?.phase === 'connect') return t('run.step.connect', { host: hostLabel(t, host, plan), defaultValue: title });
  if (s?.id === 'preflight') return t('run.step.preflight', { defaultValue: s.title });
  if (s) return fillHostValues(stepTitle(t, s), plan, host);
  return title;
}

/**
 * The plan keeps per-host values (`{host.address}`, `{host.name}`, `{host.<column>}`) as written, one
 * plan for a batch; a run row is one host's: its values, as the runner fills them (actions/template.ts).
 */
export function fillHostValues(text: string, plan: Plan | null, host: string): string {
  if (!text.includes('{host.') || !plan) return text;
  const tg = plan.hosts.targets.find((x) => x.id === host);
  const j = plan.hosts.jumps.find((x) => x.id === host);
  const values: Record<string, string> = tg ? { ...tg.vars, address: tg.ssh.host, name: tg.name ?? tg.ssh.host } : j ? { address: j.privateIp, name: j.privateIp } : {};
  return text.replace(/\{host\.([a-z][A-Za-z0-9_]*)\}/g, (m, k: string) => values[k] ?? m);
}

/** How much of an upload was sent, in a unit that suits the file (not "0.0 of 0.0 MiB" for a small one). */
export function transferredText(t: T, done: number, total: number): string {
  const a = transferAmounts(done, total);
  return t('run.transferred', { done: a.done, total: a.total, unit: t(`run.unit.${a.unit}`), pct: Math.floor((done / total) * 100) });
}

/**
 * A plan host id (`jump0`, `proxy0`, `target2`, `local`, `console`) → "Jump server 1 · root@1.2.3.4:22";
 * a target by its stable name (its CSV `name`, else `user@host:port`), never a number that renumbers.
 */
export function hostLabel(t: T, host: string, plan?: Plan | null): string {
  const m = /^(jump|proxy|target)(\d+)$/.exec(host);
  if (!m) return host === 'local' ? t('where.local') : host === 'console' ? t('review.where.console') : host;
  if (m[1] === 'target') {
    const tg = plan?.hosts.targets.find((x) => x.id === host);
    if (tg) return targetName({ ...tg.ssh, name: tg.name });
  }
  const n = Number(m[2]) + 1;
  const name = m[1] === 'jump' ? t('where.jumpN', { n }) : m[1] === 'proxy' ? t('where.proxyN', { n }) : t('where.targetN', { n });
  const h = m[1] === 'jump' ? plan?.hosts.jumps.find((j) => j.id === host) : m[1] === 'proxy' ? plan?.hosts.proxies?.find((j) => j.id === host) : plan?.hosts.targets.find((x) => x.id === host);
  return h ? `${name} · ${h.ssh.user}@${h.ssh.host}:${h.ssh.port}` : name;
}

/** A run step's message in the UI language: its translatable parts when every key is known, else the English text. */
export function stepMessage(
  t: T,
  i18nExists: (key: string) => boolean,
  row: { message?: string | undefined; parts?: Array<{ key: string; params: Record<string, string | number> }> | undefined; checks?: ReadonlyArray<{ name: string; status: string; detail: string }> | undefined },
): string {
  const parts = row.parts;
  // Chinese sentences end with full-width punctuation and take no space between them.
  if (parts?.length && parts.every((p) => i18nExists(p.key))) return parts.map((p) => t(p.key, p.params)).join(' ').replace(/([。！？）])\s+/g, '$1');
  // A check step's message is its checks' findings (probe: every detail, or the ones not passed with their names): said as the checks are.
  const c = row.checks ?? [];
  const sep = t('checkWords.sep');
  if (c.length && row.message === c.map((x) => x.detail).join('; ')) return c.map((x) => checkDetail(t, x.detail)).join(sep);
  const warns = c.filter((x) => x.status !== 'pass');
  if (warns.length && row.message === warns.map((x) => `${x.name}: ${x.detail}`).join('; ')) return warns.map((x) => `${checkName(t, x.name)}${t('checkWords.colon')}${checkDetail(t, x.detail)}`).join(sep);
  return row.message ?? '';
}

/**
 * A plan table's rows in the UI's language: the profile's own words where it gives them in that
 * language (`l10n`), the direction and Outpost's default security-group description in the UI's words.
 */
export function tableRows(t: T, table: { columns: string[]; rows: string[][]; l10n?: Record<string, string[][]> | undefined }, lang: string = i18next.language): string[][] {
  const rows = table.l10n?.[lang] ?? table.rows;
  return rows.map((r) => r.map((c, j) => (table.columns[j] === 'Direction' && c === 'Inbound' ? t('sg.inbound') : table.columns[j] === 'Description' && /^Ports used by .+ to reach the jump server$/.test(c) ? t('sg.desc') : c)));
}
