// How plan steps and run hosts are named in the UI: translated titles (titleKey + params, falling back
// to the plan's English title) and readable host labels.
import type { Plan, Step } from '../../../electron/common/api';

type T = (key: string, params?: Record<string, unknown>) => string;

export function stepTitle(t: T, s: Pick<Step, 'titleKey' | 'params' | 'title'>): string {
  // Jump servers are numbered from 1 on screen (the plan counts from 0).
  const n = typeof s.params.index === 'number' ? { n: s.params.index + 1 } : {};
  return t(s.titleKey, { ...s.params, ...n, defaultValue: s.title });
}

/** A run event's step title: the plan's step when there is one, else the runner's own steps. */
export function runStepTitle(t: T, plan: Plan | null, stepId: string, title: string, host: string): string {
  const s = plan?.steps.find((x) => x.id === stepId) ?? (plan?.remedies.uninstall.id === stepId ? plan.remedies.uninstall : undefined);
  if (s) return stepTitle(t, s);
  if (stepId.startsWith('connect.')) return t('run.step.connect', { host: hostLabel(t, host), defaultValue: title });
  if (stepId === 'preflight') return t('run.step.preflight', { defaultValue: title });
  return title;
}

/** `jump0 (root@1.2.3.4:22)` → "Jump server 1 · root@1.2.3.4:22". */
export function hostLabel(t: T, host: string): string {
  const m = /^(jump|target)(\d+)(?: \((.*)\))?$/.exec(host);
  if (!m) return host === 'local' ? t('where.local') : host;
  const n = Number(m[2]) + 1;
  const name = m[1] === 'jump' ? t('where.jumpN', { n }) : t('where.targetN', { n });
  return m[3] ? `${name} · ${m[3]}` : name;
}

export function jumpHostId(plan: Plan, i: number): string {
  const j = plan.jumpServers[i];
  return j ? `jump${i} (${j.ssh.user}@${j.ssh.host}:${j.ssh.port})` : `jump${i}`;
}

export function targetHostId(t: Plan['targets'][number]): string {
  return `target${t.index} (${t.user}@${t.host}:${t.port})`;
}

export interface ExpectedRow {
  stepId: string;
  host: string;
}

/** The steps a run of this plan will report, in order, so the list shows them all from the start. */
export function expectedRows(plan: Plan, opts: { tunnelOnly: boolean }): ExpectedRow[] {
  const rows: ExpectedRow[] = [];
  const connected = new Set<number>();
  for (const s of plan.steps) {
    if (s.where.kind === 'target') continue;
    if (opts.tunnelOnly && s.where.kind !== 'jump') continue;
    if (s.where.kind === 'jump') {
      const i = s.where.index;
      if (!connected.has(i)) {
        connected.add(i);
        rows.push({ stepId: `connect.jump${i}`, host: jumpHostId(plan, i) });
      }
      rows.push({ stepId: s.id, host: jumpHostId(plan, i) });
    } else {
      rows.push({ stepId: s.id, host: 'local' });
    }
  }
  if (opts.tunnelOnly) return rows;
  for (const t of plan.targets) {
    const host = targetHostId(t);
    rows.push({ stepId: `connect.target${t.index}`, host });
    if (plan.os === 'linux') rows.push({ stepId: 'preflight', host });
    for (const s of plan.steps) if (s.where.kind === 'target') rows.push({ stepId: s.id, host });
  }
  if (plan.thisComputer) {
    if (plan.os === 'linux') rows.push({ stepId: 'preflight', host: 'local' });
    for (const s of plan.steps) if (s.where.kind === 'target') rows.push({ stepId: s.id, host: 'local' });
  }
  return rows;
}

/** A run step's message in the UI language: its translatable parts when every key is known, else the English text. */
export function stepMessage(t: T, i18nExists: (key: string) => boolean, row: { message?: string | undefined; parts?: Array<{ key: string; params: Record<string, string | number> }> | undefined }): string {
  const parts = row.parts;
  // Chinese sentences end with full-width punctuation and take no space between them.
  if (parts?.length && parts.every((p) => i18nExists(p.key))) return parts.map((p) => t(p.key, p.params)).join(' ').replace(/([。！？）])\s+/g, '$1');
  return row.message ?? '';
}
