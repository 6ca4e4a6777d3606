// A terminal on one of the plan's hosts from the Result page: a login shell over SSH (through the jump
// server for a target; host keys as verified by Test connection or the run). Shown inline on the page,
// so it never covers the page's buttons; it stays open while the page does, and Close ends it.
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Plan } from '../../../electron/common/api';
import { ApiRequestError, api } from '../api/client';
import { hostLabel } from './planText';
import { selectAnswers, useWizard } from './store';

const TerminalView = lazy(() => import('../components/Terminal').then((m) => ({ default: m.TerminalView })));

export function HostTerminals({ plan }: { plan: Plan }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<{ id: string; hostId: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const frame = useRef<HTMLDivElement>(null);
  // A terminal opened below the fold is brought into view (once per terminal opened).
  useEffect(() => {
    if (open) frame.current?.scrollIntoView({ block: 'nearest' });
  }, [open]);
  const hosts = [...plan.hosts.jumps.filter((j) => j.id.startsWith('jump')).map((j) => j.id), ...plan.hosts.targets.map((x) => x.id)];
  if (!hosts.length) return null;

  const start = async (hostId: string) => {
    setError(null);
    setBusy(true);
    try {
      if (open) await api.request('terminal.close', { id: open.id }).catch(() => undefined);
      const r = await api.request('terminal.openSsh', { answers: selectAnswers(useWizard.getState()), hostId, cols: 100, rows: 24 });
      setOpen({ id: r.id, hostId });
    } catch (e) {
      setError(e instanceof ApiRequestError ? `${e.message}${e.hint ? `\n${e.hint}` : ''}` : String(e));
    } finally {
      setBusy(false);
    }
  };
  const close = () => {
    if (open) void api.request('terminal.close', { id: open.id }).catch(() => undefined);
    setOpen(null);
  };

  return (
    <section className="host-terminals" data-testid="host-terminals">
      <h2>{t('hostTerm.title')}</h2>
      <div className="row wrap">
        {hosts.map((id) => (
          <button key={id} type="button" className="secondary small" disabled={busy} onClick={() => void start(id)} data-testid={`host-terminal-${id}`}>
            {hostLabel(t, id, plan)}
          </button>
        ))}
      </div>
      {error ? (
        <pre className="plain error" role="alert">
          {error}
        </pre>
      ) : null}
      {open ? (
        <div className="host-terminal" data-testid="host-terminal" ref={frame}>
          <div className="drawer-head">
            <h3>{t('hostTerm.on', { host: hostLabel(t, open.hostId, plan) })}</h3>
            <button type="button" className="link" onClick={close} data-testid="host-terminal-close">
              {t('common.close')}
            </button>
          </div>
          <Suspense fallback={<div className="terminal placeholder">{t('common.loading')}</div>}>
            <TerminalView key={open.id} terminalId={open.id} label={t('hostTerm.on', { host: hostLabel(t, open.hostId, plan) })} />
          </Suspense>
        </div>
      ) : null}
    </section>
  );
}
