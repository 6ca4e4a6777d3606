// The host key questions of a run as one modal dialog: every new key waiting for an answer (a fleet's
// targets come together: the engine asks about them all before the targets start), each with its machine
// name, role (jump server or target) and fingerprint, answered with Trust all / Trust selected / Reject.
// A changed key is never a question (the core refuses the host): it shows apart, with its warning, and
// "Trust all" cannot include it. Focus stays inside until answered (Escape rejects; Reject has the focus).
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EventPayload } from '../../../electron/common/api';
import { useWizard, type HostKeyRequest } from './store';

export type HostKeyChange = EventPayload<'hostkey.changed'>;
export type HostKeyDecision = { requestId: string; decision: 'accept' | 'reject' };

function useFocusTrap(box: React.RefObject<HTMLDivElement | null>, first: React.RefObject<HTMLButtonElement | null>, key: string) {
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    // Reject is the safe default focus: Enter on an unread dialog must not trust a key.
    first.current?.focus();
    // Keep focus inside while the dialog is open (the terminal behind it likes to grab it).
    const keep = (e: FocusEvent) => {
      if (box.current && e.target instanceof Node && !box.current.contains(e.target)) first.current?.focus();
    };
    document.addEventListener('focusin', keep);
    return () => {
      document.removeEventListener('focusin', keep);
      before?.focus?.();
    };
  }, [box, first, key]);
}

function cycleTab(box: HTMLDivElement | null, e: React.KeyboardEvent) {
  const items = box?.querySelectorAll<HTMLElement>('button:not([disabled]), input, [tabindex="0"]');
  if (!items || items.length === 0) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last?.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first?.focus();
  }
}

const machine = (k: { name?: string | undefined; host: string; port: number }) => k.name ?? `${k.host}:${k.port}`;

function ChangedKeys({ changed }: { changed: readonly HostKeyChange[] }) {
  const { t } = useTranslation();
  return (
    <section className="hostkey-changed" role="alert" data-testid="hostkey-changed">
      <h3>⚠ {t('hostkey.changedTitle', { count: changed.length })}</h3>
      <p>{t('hostkey.changedLead')}</p>
      <ul className="plain-list">
        {changed.map((c) => (
          <li key={`${c.host}:${c.port}:${c.fingerprint}`} data-testid="hostkey-changed-row" data-host={`${c.host}:${c.port}`}>
            <strong className="mono">{machine(c)}</strong> · {t(`hostkey.role.${c.role ?? 'target'}`)} ·{' '}
            <span className="mono">
              {c.host}:{c.port}
            </span>
            <div className="mono hk-small">
              {t('hostkey.known')}: {c.knownKeyType} {c.knownFingerprint}
            </div>
            <div className="mono hk-small">
              {t('hostkey.now')}: {c.keyType} {c.fingerprint}
            </div>
          </li>
        ))}
      </ul>
      <p className="hint block">{t('hostkey.changedHow')}</p>
    </section>
  );
}

export function HostKeyDialog({ requests, changed = [], onDecide, onDismissChanged }: { requests: readonly HostKeyRequest[]; changed?: readonly HostKeyChange[]; onDecide(decisions: HostKeyDecision[]): void; onDismissChanged?(): void }) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const reject = useRef<HTMLButtonElement>(null);
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  useFocusTrap(box, reject, requests.length ? 'ask' : 'changed');
  const answer = (accept: (r: HostKeyRequest) => boolean) => {
    onDecide(requests.map((r) => ({ requestId: r.requestId, decision: accept(r) ? 'accept' : 'reject' })));
    setPicked(new Set());
  };
  const rejectAll = () => (requests.length ? answer(() => false) : onDismissChanged?.());
  const chosen = requests.filter((r) => picked.has(r.requestId));
  const jumpAsked = requests.some((r) => r.role === 'jump' || r.role === 'proxy');
  return (
    <div className="modal-backdrop">
      <div
        className="modal hostkeys"
        role="dialog"
        aria-modal="true"
        aria-labelledby="hk-title"
        aria-describedby="hk-desc"
        ref={box}
        data-testid="hostkey-dialog"
        data-count={requests.length}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            rejectAll();
          } else if (e.key === 'Tab') cycleTab(box.current, e);
        }}
      >
        <h2 id="hk-title">{requests.length ? t('hostkey.titleMany', { count: requests.length }) : t('hostkey.changedOnly')}</h2>
        {requests.length ? (
          <>
            <p id="hk-desc">{t('hostkey.leadMany', { count: requests.length })}</p>
            <div className="hostkey-scroll">
              <table className="data hostkey-table" data-testid="hostkey-table">
                <thead>
                  <tr>
                    <th scope="col">
                      <span className="sr-only">{t('hostkey.select')}</span>
                    </th>
                    <th scope="col">{t('hostkey.machine')}</th>
                    <th scope="col">{t('hostkey.roleCol')}</th>
                    <th scope="col">{t('hostkey.fingerprint')}</th>
                  </tr>
                </thead>
                <tbody>
                  {requests.map((r, i) => (
                    <tr key={r.requestId} data-testid="hostkey-row" data-host={`${r.host}:${r.port}`} data-role={r.role ?? ''}>
                      <td>
                        <input
                          type="checkbox"
                          id={`hk-pick-${i}`}
                          data-testid={`hostkey-pick-${i}`}
                          checked={picked.has(r.requestId)}
                          aria-label={t('hostkey.pick', { name: machine(r) })}
                          onChange={(e) =>
                            setPicked((cur) => {
                              const next = new Set(cur);
                              if (e.target.checked) next.add(r.requestId);
                              else next.delete(r.requestId);
                              return next;
                            })
                          }
                        />
                      </td>
                      <td>
                        <label htmlFor={`hk-pick-${i}`} className="mono" data-testid="hostkey-name">
                          {machine(r)}
                        </label>
                        <div className="mono hk-small muted">
                          <span data-testid="hostkey-host">
                            {r.host}:{r.port}
                          </span>
                          {r.via ? ` ${t('hostkey.through', { via: r.via })}` : ''}
                        </div>
                      </td>
                      <td data-testid="hostkey-role">{t(`hostkey.role.${r.role ?? 'target'}`)}</td>
                      <td>
                        <span className="mono hk-small">{r.keyType}</span>
                        <code className="fingerprint" tabIndex={0} data-testid="hostkey-fingerprint">
                          {r.fingerprint}
                        </code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {jumpAsked ? <p className="hint block">{t('hostkey.jumpFirst')}</p> : null}
            <p className="hint block">{t('hostkey.how')}</p>
          </>
        ) : null}
        {changed.length ? <ChangedKeys changed={changed} /> : null}
        <div className="modal-actions">
          <button type="button" className="secondary" ref={reject} onClick={rejectAll} data-testid="hostkey-reject">
            {requests.length ? t('hostkey.rejectAll') : t('hostkey.understood')}
          </button>
          {requests.length ? (
            <>
              <button type="button" className="secondary" disabled={chosen.length === 0} onClick={() => answer((r) => picked.has(r.requestId))} data-testid="hostkey-accept-selected">
                {t('hostkey.trustSelected', { count: chosen.length })}
              </button>
              <button type="button" className="primary" onClick={() => answer(() => true)} data-testid="hostkey-accept">
                {t('hostkey.trustAll', { count: requests.length })}
              </button>
            </>
          ) : null}
        </div>
      </div>
    </div>
  );
}

/** The run's questions and changed keys, from the wizard's store. */
export function RunHostKeys() {
  const requests = useWizard((s) => s.run.hostKeys);
  const all = useWizard((s) => s.run.changedKeys);
  const seen = useWizard((s) => s.run.changedSeen);
  const decide = useWizard((s) => s.decideHostKey);
  const changed = all.slice(seen);
  if (!requests.length && !changed.length) return null;
  return (
    <HostKeyDialog
      requests={requests}
      changed={changed}
      onDecide={(ds) => ds.forEach((d) => void decide(d.requestId, d.decision))}
      onDismissChanged={() => useWizard.setState((s) => ({ run: { ...s.run, changedSeen: s.run.changedKeys.length } }))}
    />
  );
}
