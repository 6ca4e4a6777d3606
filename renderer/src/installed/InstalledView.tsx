// The Installed view: every host Outpost installed (the core's inventory, from the journals: the same
// table as `outpost inventory`), virtualised for thousands of rows, filtered by agent / state / jump
// server; per host or selection: Check now, Reinstall, Uninstall (asked first), Open terminal; each jump
// server with its tunnel as the last check found it, and Repair. Every action is an ordinary run of the
// answers the hosts were installed with (the core finds them): the wizard's batch view, report, retry.
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { failureWords } from '../i18n/reasons';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { InstalledHost, InstalledJump, RequestInput } from '../../../electron/common/api';
import { showControls } from '../../../electron/common/visible';
import { api, ApiRequestError } from '../api/client';
import type { BatchTarget } from '../batch/model';
import { useWizard } from '../wizard/store';
import { useInstalledView } from './view';

const TerminalView = lazy(() => import('../components/Terminal').then((m) => ({ default: m.TerminalView })));

const ROW_HEIGHT = 32;
const keyOf = (h: Pick<InstalledHost, 'profile' | 'address'>) => `${h.profile}|${h.address}`;
/** What the state filter and column show: the last check's verdict, else installed / removed. */
const stateOf = (h: InstalledHost) => (h.state === 'removed' ? 'removed' : (h.lastCheck?.state ?? 'installed'));

/** `user@host:port` as the batch view's row (the core's own address form). */
function targetOf(h: InstalledHost): BatchTarget {
  const m = /^(.*)@(.*):(\d+)$/.exec(h.address);
  return { host: m?.[2] ?? h.address, port: Number(m?.[3] ?? 22), user: m?.[1] ?? '', ...(h.name ? { name: h.name } : {}) };
}

const errorText = (e: unknown) => (e instanceof ApiRequestError ? `${e.message}${e.hint ? ` ${e.hint}` : ''}` : String(e));

function when(at: string | null, lang: string): string {
  if (!at) return '—';
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? at : d.toLocaleString(lang, { dateStyle: 'short', timeStyle: 'short' });
}

export function InstalledView() {
  const { t, i18n } = useTranslation();
  const runInstalled = useWizard((s) => s.runInstalled);
  const [data, setData] = useState<{ hosts: InstalledHost[]; jumps: InstalledJump[] } | null>(null);
  const [localError, setError] = useState<string | null>(null);
  const startError = useInstalledView((s) => s.error);
  const error = localError ?? startError;
  const [filter, setFilter] = useState({ agent: '', state: '', jump: '' });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [terminal, setTerminal] = useState<{ id: string; host: string } | null>(null);
  const scroller = useRef<HTMLDivElement>(null);

  const load = useCallback(() => {
    api.request('installed.list', {}).then(
      (r) => setData(r),
      (e: unknown) => setError(errorText(e)),
    );
  }, []);
  useEffect(load, [load]);

  const hosts = useMemo(() => data?.hosts ?? [], [data]);
  const agents = useMemo(() => [...new Set(hosts.map((h) => h.profile))].sort(), [hosts]);
  const states = useMemo(() => [...new Set(hosts.map(stateOf))].sort(), [hosts]);
  const shown = useMemo(() => hosts.filter((h) => (!filter.agent || h.profile === filter.agent) && (!filter.state || stateOf(h) === filter.state) && (!filter.jump || (h.jump ?? '-') === filter.jump)), [hosts, filter]);
  const chosen = shown.filter((h) => selected.has(keyOf(h)));
  // eslint-disable-next-line react-hooks/incompatible-library -- re-rendered with its rows; nothing memoises the virtualizer
  const virtual = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });

  // The batch view is the wizard's: runInstalled switches to it (and back here, with the error, when the run cannot start).
  const start = (input: RequestInput<'installed.run'>, targets: BatchTarget[]) => void runInstalled(input, targets);
  const busy = useWizard((s) => s.phase === 'running');
  const act = (action: 'check' | 'uninstall' | 'reinstall', list: InstalledHost[]) => {
    if (!list.length) return;
    if (action === 'uninstall' && !window.confirm(t('installed.confirmUninstall', { count: list.length }))) return;
    if (action === 'reinstall' && !window.confirm(t('installed.confirmReinstall', { count: list.length }))) return;
    start({ action, hosts: list.map((h) => ({ profile: h.profile, address: h.address })) }, list.map(targetOf));
  };
  const openTerminal = async (h: InstalledHost) => {
    setError(null);
    try {
      if (terminal) await api.request('terminal.close', { id: terminal.id }).catch(() => undefined);
      const r = await api.request('installed.terminal', { host: { profile: h.profile, address: h.address }, cols: 100, rows: 24 });
      setTerminal({ id: r.id, host: h.address });
    } catch (e) {
      setError(errorText(e));
    }
  };
  const toggle = (k: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(k)) n.delete(k);
      else n.add(k);
      return n;
    });
  const allShown = shown.length > 0 && chosen.length === shown.length;

  return (
    <section className="installed" data-testid="installed-view" aria-labelledby="installed-title">
      <div className="installed-head">
        <h1 id="installed-title">{t('installed.title')}</h1>
        <button type="button" className="secondary small" onClick={load} data-testid="installed-refresh">
          {t('installed.refresh')}
        </button>
      </div>
      <p className="hint">{t('installed.intro')}</p>
      {error ? (
        <p className="error" role="alert" data-testid="installed-error">
          {error}
        </p>
      ) : null}
      {data === null ? <p>{t('common.loading')}</p> : null}
      {data && !hosts.length ? <p data-testid="installed-empty">{t('installed.empty')}</p> : null}
      {data && data.jumps.length ? (
        <section className="installed-jumps" data-testid="installed-jumps">
          <h2>{t('installed.jumps')}</h2>
          <ul>
            {data.jumps.map((j) => (
              <li key={j.address} data-testid="installed-jump" data-tunnel={j.tunnel}>
                <span className="mono">{showControls(j.address)}</span> · {t('installed.jumpHosts', { count: j.hosts })} ·{' '}
                <span className={`tunnel t-${j.tunnel}`} title={j.reason ? failureWords(t, j.reason) : undefined}>
                  {t(`installed.tunnel.${j.tunnel}`)}
                </span>
                {j.checkedAt ? <span className="hint"> ({t('installed.checkedAt', { at: when(j.checkedAt, i18n.language) })})</span> : null}{' '}
                <button type="button" className="secondary small" disabled={busy} onClick={() => start({ action: 'repair', jump: j.address }, hosts.filter((h) => h.jump === j.address && h.state === 'installed').map(targetOf))} data-testid="installed-repair">
                  {t('installed.repair')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {hosts.length ? (
        <>
          <div className="row wrap installed-filters">
            <label>
              {t('installed.filterAgent')}{' '}
              <select value={filter.agent} onChange={(e) => setFilter({ ...filter, agent: e.target.value })} data-testid="installed-filter-agent">
                <option value="">{t('installed.all')}</option>
                {agents.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('installed.filterState')}{' '}
              <select value={filter.state} onChange={(e) => setFilter({ ...filter, state: e.target.value })} data-testid="installed-filter-state">
                <option value="">{t('installed.all')}</option>
                {states.map((s) => (
                  <option key={s} value={s}>
                    {t(`installed.state.${s}`, { defaultValue: s })}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('installed.filterJump')}{' '}
              <select value={filter.jump} onChange={(e) => setFilter({ ...filter, jump: e.target.value })} data-testid="installed-filter-jump">
                <option value="">{t('installed.all')}</option>
                {[...new Set(hosts.map((h) => h.jump ?? '-'))].sort().map((j) => (
                  <option key={j} value={j}>
                    {j === '-' ? t('installed.direct') : showControls(j)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="row wrap installed-actions">
            <span data-testid="installed-count">{t('installed.count', { shown: shown.length, total: hosts.length, selected: chosen.length })}</span>
            <button type="button" className="primary small" disabled={busy || !chosen.length} onClick={() => act('check', chosen)} data-testid="installed-check">
              {t('installed.check')}
            </button>
            <button type="button" className="secondary small" disabled={busy || !chosen.length} onClick={() => act('reinstall', chosen)} data-testid="installed-reinstall">
              {t('installed.reinstall')}
            </button>
            <button type="button" className="secondary danger small" disabled={busy || !chosen.length} onClick={() => act('uninstall', chosen)} data-testid="installed-uninstall">
              {t('installed.uninstall')}
            </button>
          </div>
          <div className="installed-table" role="grid" aria-rowcount={shown.length} aria-label={t('installed.tableLabel')}>
            <div className="installed-row head" role="row">
              <span role="columnheader">
                <input type="checkbox" aria-label={t('installed.selectAll')} checked={allShown} onChange={() => setSelected(allShown ? new Set() : new Set(shown.map(keyOf)))} data-testid="installed-select-all" />
              </span>
              <span role="columnheader">{t('installed.col.host')}</span>
              <span role="columnheader">{t('installed.col.agent')}</span>
              <span role="columnheader">{t('installed.col.os')}</span>
              <span role="columnheader">{t('installed.col.jump')}</span>
              <span role="columnheader">{t('installed.col.installedAt')}</span>
              <span role="columnheader">{t('installed.col.state')}</span>
              <span role="columnheader">{t('installed.col.checkedAt')}</span>
              <span role="columnheader">{t('installed.col.actions')}</span>
            </div>
            <div ref={scroller} className="installed-scroll" style={{ height: Math.min(440, Math.max(3, shown.length) * ROW_HEIGHT + 4) }} data-testid="installed-table">
              <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
                {virtual.getVirtualItems().map((v) => {
                  const h = shown[v.index];
                  if (!h) return null;
                  const k = keyOf(h);
                  const st = stateOf(h);
                  return (
                    <div key={k} role="row" aria-rowindex={v.index + 1} className={`installed-row s-${st}`} style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }} data-testid="installed-row" data-address={h.address} data-state={st}>
                      <span role="gridcell">
                        <input type="checkbox" aria-label={t('installed.select', { host: h.address })} checked={selected.has(k)} onChange={() => toggle(k)} data-testid="installed-select" />
                      </span>
                      <span role="gridcell" className="mono" title={h.answers ?? undefined}>
                        {showControls(h.address)}
                        {h.name ? ` (${showControls(h.name)})` : ''}
                      </span>
                      <span role="gridcell">
                        {h.profile}
                        {h.profileVersion ? ` ${h.profileVersion}` : ''}
                      </span>
                      <span role="gridcell">{h.os}</span>
                      <span role="gridcell" className="mono">
                        {h.jump ? showControls(h.jump) : t('installed.direct')}
                      </span>
                      <span role="gridcell">{when(h.installedAt, i18n.language)}</span>
                      <span role="gridcell" className={`state s-${st}`} title={h.lastCheck?.reason ? failureWords(t, h.lastCheck.reason) : undefined} data-testid="installed-state">
                        {t(`installed.state.${st}`, { defaultValue: st })}
                      </span>
                      <span role="gridcell">{when(h.state === 'removed' ? h.uninstalledAt : (h.lastCheck?.at ?? null), i18n.language)}</span>
                      <span role="gridcell" className="row-actions">
                        <button type="button" className="link" disabled={busy || h.state === 'removed'} onClick={() => act('check', [h])} data-testid="installed-row-check">
                          {t('installed.check')}
                        </button>
                        <button type="button" className="link" disabled={busy || h.state === 'removed'} onClick={() => void openTerminal(h)} data-testid="installed-row-terminal">
                          {t('installed.terminal')}
                        </button>
                      </span>
                    </div>
                  );
                })}
              </div>
            </div>
          </div>
        </>
      ) : null}
      {terminal ? (
        <div className="host-terminal" data-testid="installed-terminal">
          <div className="drawer-head">
            <h3>{t('hostTerm.on', { host: terminal.host })}</h3>
            <button
              type="button"
              className="link"
              onClick={() => {
                void api.request('terminal.close', { id: terminal.id }).catch(() => undefined);
                setTerminal(null);
              }}
            >
              {t('common.close')}
            </button>
          </div>
          <Suspense fallback={<div className="terminal placeholder">{t('common.loading')}</div>}>
            <TerminalView key={terminal.id} terminalId={terminal.id} label={t('hostTerm.on', { host: terminal.host })} />
          </Suspense>
        </div>
      ) : null}
    </section>
  );
}
