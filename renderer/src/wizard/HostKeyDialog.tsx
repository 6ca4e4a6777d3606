// The unknown-host-key question as a modal dialog: shows host, port, key type and SHA256 fingerprint;
// focus stays inside until the user accepts or rejects (Escape rejects).
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { HostKeyRequest } from './store';

export function HostKeyDialog({ request, onDecide }: { request: HostKeyRequest; onDecide(decision: 'accept' | 'reject'): void }) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const reject = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    // Reject is the safe default focus: Enter on an unread dialog must not trust a key.
    reject.current?.focus();
    // Keep focus inside while the dialog is open (the terminal behind it likes to grab it).
    const keep = (e: FocusEvent) => {
      if (box.current && e.target instanceof Node && !box.current.contains(e.target)) reject.current?.focus();
    };
    document.addEventListener('focusin', keep);
    return () => {
      document.removeEventListener('focusin', keep);
      before?.focus?.();
    };
  }, [request.requestId]);
  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onDecide('reject');
      return;
    }
    if (e.key !== 'Tab') return;
    const items = box.current?.querySelectorAll<HTMLElement>('button, [tabindex="0"]');
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
  };
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="hk-title" aria-describedby="hk-desc" ref={box} onKeyDown={onKeyDown} data-testid="hostkey-dialog">
        <h2 id="hk-title">{t('hostkey.title')}</h2>
        <p id="hk-desc">{t('hostkey.lead', { host: request.host, port: request.port })}</p>
        <dl className="kv">
          <dt>{t('hostkey.host')}</dt>
          <dd>
            <code data-testid="hostkey-host">
              {request.host}:{request.port}
            </code>
          </dd>
          {request.via ? (
            <>
              <dt>{t('hostkey.via')}</dt>
              <dd>
                <code>{request.via}</code>
              </dd>
            </>
          ) : null}
          <dt>{t('hostkey.keyType')}</dt>
          <dd>
            <code>{request.keyType}</code>
          </dd>
          <dt>{t('hostkey.fingerprint')}</dt>
          <dd>
            <code className="fingerprint" tabIndex={0} data-testid="hostkey-fingerprint">
              {request.fingerprint}
            </code>
          </dd>
        </dl>
        <p className="hint block">{t('hostkey.how')}</p>
        <div className="modal-actions">
          <button type="button" className="secondary" ref={reject} onClick={() => onDecide('reject')} data-testid="hostkey-reject">
            {t('hostkey.reject')}
          </button>
          <button type="button" className="primary" onClick={() => onDecide('accept')} data-testid="hostkey-accept">
            {t('hostkey.accept')}
          </button>
        </div>
      </div>
    </div>
  );
}
