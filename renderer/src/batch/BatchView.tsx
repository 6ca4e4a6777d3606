// The batch view (a run on many hosts): overall progress, counts per state, completions over time, and
// a virtualised host table (sortable, filterable by state) whose rows open the host's own output.
// Once it has ended, export the core's report of it as CSV or JSON (run.report: the CLI's fields, each
// host's code and hint; masked: no secret is ever in it).
import { useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { useVirtualizer } from '@tanstack/react-virtual';
import { FINAL_STATES, type HostState } from '../../../electron/common/api';
import { api, ApiRequestError } from '../api/client';
import { ALL_STATES, batchRun, SUMMARY_ORDER, targetName, type BatchHost, type BatchSnapshot } from './model';
import type { Proof } from './proof';
import { downloadText } from '../wizard/recipe';
import { showControls } from '../../../electron/common/visible';
import { useWizardWords } from '../wizard/wizard-words';
import { checkDetail, checkName } from '../i18n/checks';
import { useWizard } from '../wizard/store';

export function useBatch(): BatchSnapshot {
  return useSyncExternalStore(batchRun.subscribe, batchRun.getSnapshot);
}

/** `auto`: answers order while it runs; once ended, the hosts that need the admin (failed, cancelled) first. */
type SortKey = 'auto' | 'index' | 'host' | 'state' | 'duration';
// Two lines: a failed host's reason is read in the table at 1280 px, not cut after a few words.
const ROW_HEIGHT = 44;

/** "1 failed · 3 installed": the ended batch's hosts per final state, what needs the admin first. */
export function BatchSummary({ s }: { s: BatchSnapshot }) {
  const { t } = useTranslation();
  const parts = SUMMARY_ORDER.filter((st) => s.counts[st] > 0);
  return (
    <p className="batch-summary" data-testid="batch-summary">
      {parts.map((st, i) => (
        <span key={st} className={`sum s-${st}`} data-state={st} data-count={s.counts[st]}>
          {i ? ' · ' : ''}
          {t(`batch.summary.${st}`, { count: s.counts[st] })}
        </span>
      ))}
    </p>
  );
}

/** The run's report from the core, saved as a file (with the hosts a retry left alone, done earlier). */
async function exportReport(runId: string, kind: 'csv' | 'json', name: string, hosts: readonly BatchHost[]): Promise<string | null> {
  try {
    // A batch shown again after a reload exports the report kept with it.
    const saved = batchRun.savedReport;
    if (saved) {
      downloadText(name, kind === 'csv' ? saved.csv : saved.json, kind === 'csv' ? 'text/csv' : 'application/json');
      return null;
    }
    const earlier = hosts.filter((h) => h.earlier).map((h) => ({ host: h.host, port: h.port, user: h.user }));
    const r = await api.request('run.report', { runId, ...(earlier.length ? { earlier } : {}) });
    downloadText(name, kind === 'csv' ? r.csv : r.json, kind === 'csv' ? 'text/csv' : 'application/json');
    return null;
  } catch (e) {
    return e instanceof ApiRequestError ? `${e.message}${e.hint ? ` ${e.hint}` : ''}` : String(e);
  }
}

/** Finished hosts over time: a step line from 0 to now, plain SVG. */
function CompletionsChart({ s }: { s: BatchSnapshot }) {
  const { t } = useTranslation();
  const w = 320;
  const h = 80;
  const total = s.hosts.length || 1;
  const span = Math.max(1000, (s.endedAt ?? s.now) - s.startedAt, s.completions[s.completions.length - 1] ?? 0);
  const pts = ['0,' + h, ...s.completions.map((ms, i) => `${((ms / span) * w).toFixed(1)},${(h - ((i + 1) / total) * h).toFixed(1)}`)];
  const last = s.completions.length;
  pts.push(`${w},${(h - (last / total) * h).toFixed(1)}`);
  return (
    <figure className="batch-chart" data-testid="batch-chart">
      <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={t('batch.chartLabel', { done: last, total: s.hosts.length, seconds: Math.round(span / 1000) })}>
        <rect x="0" y="0" width={w} height={h} className="chart-bg" />
        <polyline points={pts.join(' ')} fill="none" className="chart-line" strokeWidth="2" />
      </svg>
      <figcaption className="hint">{t('batch.chartCaption', { seconds: Math.round(span / 1000) })}</figcaption>
    </figure>
  );
}

function HostTable({ hosts, now, selected, onSelect }: { hosts: readonly BatchHost[]; now: number; selected: string | null; onSelect: (id: string) => void }) {
  const { t } = useTranslation();
  const words = useWizardWords();
  // The step a host is at or ended on, as the phase it belongs to ("verify" in the UI's language); the id in its tooltip.
  const plan = useWizard((st) => st.review.plan);
  const stepWord = (id: string | null) => {
    if (!id) return '';
    const phase = plan?.steps.find((x) => x.id === id)?.phase;
    return phase ? t(`batch.phase.${phase}`) : id;
  };
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- this small component re-renders with its rows; nothing memoises the virtualizer
  const virtual = useVirtualizer({ count: hosts.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  return (
    <div className="batch-table-scroll" ref={scroller} style={{ height: Math.min(420, Math.max(3, hosts.length) * ROW_HEIGHT + 4) }} data-testid="batch-table" role="grid" aria-rowcount={hosts.length} aria-label={t('batch.tableLabel')}>
      <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
        {virtual.getVirtualItems().map((v) => {
          const h = hosts[v.index];
          if (!h) return null;
          const duration = h.startedAt !== null ? ((h.endedAt ?? now) - h.startedAt) / 1000 : null;
          return (
            <div
              key={h.hostId}
              role="row"
              aria-rowindex={v.index + 1}
              aria-selected={selected === h.hostId}
              tabIndex={0}
              className={`batch-row h-${h.state}${selected === h.hostId ? ' selected' : ''}`}
              data-testid={`batch-row-${h.hostId}`}
              data-state={h.state}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}
              onClick={() => onSelect(h.hostId)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') onSelect(h.hostId);
              }}
            >
              <span role="gridcell" className="c-index">{h.index + 1}</span>
              <span role="gridcell" className="c-host mono" title={`${h.user}@${h.host}:${h.port}`}>
                {/* Names and reasons come from files and hosts: a bidi override would make them read otherwise. */}
                {showControls(targetName(h))}
              </span>
              <span role="gridcell" className="c-state">
                <span className={`badge subtle s-${h.state}`}>{t(`hostState.${h.state}`)}</span>
              </span>
              <span role="gridcell" className="c-step" title={h.step ?? ''}>
                {stepWord(h.step)}
              </span>
              <span role="gridcell" className="c-duration">{duration === null ? '' : `${duration.toFixed(1)} s`}</span>
              <span role="gridcell" className="c-reason" title={showControls(h.reason ? words(h.reason) : h.evidence || '', { multiline: true })}>
                {/* No reason (the host is fine so far): its live proof, once its verify step runs. */}
                {h.reason ? showControls(words(h.reason), { multiline: true }) : h.proof ? <ProofText proof={h.proof} evidence={h.evidence} testId={`batch-proof-${h.hostId}`} /> : ''}
              </span>
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** A proof's evidence ("<check>: <finding>", as batch/proof.ts writes it) in the UI's language. */
function evidenceWords(t: (k: string, o?: Record<string, unknown>) => string, evidence: string): string {
  const i = evidence.indexOf(': ');
  return i < 0 ? checkDetail(t, evidence) : `${checkName(t, evidence.slice(0, i))}${t('checkWords.colon')}${checkDetail(t, evidence.slice(i + 2))}`;
}

/** A host's live proof: "waiting for the agent…", "first heartbeat seen" (with its evidence), "no heartbeat". */
export function ProofText({ proof, evidence, testId, full }: { proof: Proof; evidence?: string | undefined; testId: string; full?: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={`proof p-${proof}`} data-testid={testId} data-proof={proof}>
      {proof === 'seen' ? '♥ ' : proof === 'missing' ? '✕ ' : '… '}
      {t(`proof.${proof}`)}
      {evidence && (full || proof !== 'waiting') ? <span className="muted"> — {showControls(evidenceWords(t, evidence))}</span> : null}
    </span>
  );
}

export function BatchView() {
  const { t } = useTranslation();
  const words = useWizardWords();
  const s = useBatch();
  const [filter, setFilter] = useState<HostState | 'all'>('all');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'auto', desc: false });
  const [selected, setSelected] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const finished = FINAL_STATES.reduce((n, st) => n + s.counts[st], 0);
  const total = s.hosts.length;
  const rows = useMemo(() => {
    const list = filter === 'all' ? [...s.hosts] : s.hosts.filter((h) => h.state === filter);
    const dur = (h: BatchHost) => (h.startedAt === null ? -1 : (h.endedAt ?? s.endedAt ?? s.now) - h.startedAt);
    const needs = (h: BatchHost) => (h.state === 'failed' ? 0 : h.state === 'cancelled' ? 1 : 2);
    const cmp: Record<SortKey, (a: BatchHost, b: BatchHost) => number> = {
      auto: (a, b) => (s.endedAt === null ? 0 : needs(a) - needs(b)) || a.index - b.index,
      index: (a, b) => a.index - b.index,
      host: (a, b) => a.host.localeCompare(b.host, undefined, { numeric: true }) || a.port - b.port,
      state: (a, b) => ALL_STATES.indexOf(a.state) - ALL_STATES.indexOf(b.state) || a.index - b.index,
      duration: (a, b) => dur(a) - dur(b) || a.index - b.index,
    };
    list.sort((a, b) => (sort.desc ? -1 : 1) * cmp[sort.key](a, b));
    return list;
  }, [s, filter, sort]);
  const sel = selected ? s.hosts.find((h) => h.hostId === selected) : undefined;
  const sortButton = (key: SortKey, label: string) => (
    <button type="button" className={`link sort${sort.key === key ? ' active' : ''}`} data-testid={`batch-sort-${key}`} aria-pressed={sort.key === key} onClick={() => setSort((cur) => ({ key, desc: cur.key === key ? !cur.desc : false }))}>
      {label}
      {sort.key === key ? (sort.desc ? ' ↓' : ' ↑') : ''}
    </button>
  );
  const stamp = new Date(s.startedAt || s.now).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return (
    <div className="batch" data-testid="batch-view" data-version={s.version}>
      <div className="batch-top">
        <div className="batch-progress">
          <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={total || 1} aria-valuenow={finished} aria-label={t('batch.progress')} data-testid="batch-progress">
            <div className="bar" style={{ width: `${total ? (finished / total) * 100 : 0}%` }} />
          </div>
          <p className="status-line" data-testid="batch-status">
            {t('batch.finished', { finished, total })}
            {s.hosts.some((h) => h.earlier) ? ` ${t('batch.earlier', { count: s.hosts.filter((h) => h.earlier).length })}` : ''}
          </p>
          <ul className="batch-counts" aria-label={t('batch.countsLabel')}>
            {ALL_STATES.filter((st) => s.counts[st] > 0 || st === 'done' || st === 'failed').map((st) => (
              <li key={st} className={`count s-${st}`} data-testid={`batch-count-${st}`} data-count={s.counts[st]}>
                <span className="count-n">{s.counts[st]}</span> {t(`hostState.${st}`)}
              </li>
            ))}
          </ul>
        </div>
        <CompletionsChart s={s} />
      </div>
      <div className="batch-tools">
        <label htmlFor="batch-filter">{t('batch.filter')}</label>{' '}
        <select id="batch-filter" data-testid="batch-filter" value={filter} onChange={(e) => setFilter(e.target.value as HostState | 'all')}>
          <option value="all">{t('batch.all', { count: total })}</option>
          {ALL_STATES.map((st) => (
            <option key={st} value={st}>
              {t(`hostState.${st}`)} ({s.counts[st]})
            </option>
          ))}
        </select>
        <span className="batch-sorts">
          {t('batch.sortBy')} {sortButton('index', '#')} {sortButton('host', t('batch.col.host'))} {sortButton('state', t('batch.col.state'))} {sortButton('duration', t('batch.col.duration'))}
        </span>
        <span className="batch-export">
          {(['csv', 'json'] as const).map((kind) => (
            <button
              key={kind}
              type="button"
              className="secondary"
              data-testid={`batch-export-${kind}`}
              // The report is the core's, once the run has ended.
              disabled={s.endedAt === null || !s.runId}
              title={s.endedAt === null ? t('batch.exportWhenEnded') : undefined}
              onClick={() => {
                if (s.runId) void exportReport(s.runId, kind, `outpost-batch-${stamp}.${kind}`, s.hosts).then(setExportError);
              }}
            >
              {t(kind === 'csv' ? 'batch.exportCsv' : 'batch.exportJson')}
            </button>
          ))}
        </span>
        {exportError ? (
          <p className="error" role="alert" data-testid="batch-export-error">
            {exportError}
          </p>
        ) : null}
      </div>
      <div className="batch-body">
        <HostTable hosts={rows} now={s.endedAt ?? s.now} selected={selected} onSelect={setSelected} />
        <aside className="batch-host" data-testid="batch-host" aria-live="polite">
          {sel ? (
            <>
              <h3 className="mono">{showControls(targetName(sel))}</h3>
              {sel.name ? (
                <p className="mono muted">
                  {sel.user}@{sel.host}:{sel.port}
                </p>
              ) : null}
              <p>
                <span className={`badge subtle s-${sel.state}`}>{t(`hostState.${sel.state}`)}</span> {sel.step ? <code>{sel.step}</code> : null}
              </p>
              {sel.reason ? <pre className="plain reason">{showControls(words(sel.reason), { multiline: true })}</pre> : null}
              {sel.proof ? (
                <p>
                  <ProofText proof={sel.proof} evidence={sel.evidence} testId="batch-host-proof" full />
                </p>
              ) : null}
              <pre className="plain output" data-testid="batch-host-output">
                {batchRun.outputOf(sel.hostId) || t('batch.noOutput')}
              </pre>
            </>
          ) : (
            <p className="hint">{t('batch.pickHost')}</p>
          )}
        </aside>
      </div>
    </div>
  );
}
