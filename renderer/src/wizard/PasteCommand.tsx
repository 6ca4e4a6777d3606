// The command copied from the vendor's console, pasted instead of typing (profiles.importCommand). It is
// offered from the Agent step on (it fills the region and the connectivity too) and on the profile's
// questions. Nothing changes behind the admin's back: the list says what each value became; a value
// they typed is replaced only when they confirm (Cancel changes nothing and forgets the keys the paste
// saved); the command stays shown, its secrets masked, the box itself emptied.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProfileSummary } from '../../../electron/common/api';
import { ApiRequestError, api } from '../api/client';
import { pasteChanges, shortLabel, usePaste, type Imported, type PasteChange } from './paste-changes';
import { useWizard } from './store';

function inLang(text: Record<string, string> | undefined, lang: string): string {
  return text?.[lang] ?? text?.[lang.split('-')[0] ?? ''] ?? text?.en ?? '';
}

function ChangeItem({ c, testId, labelOf }: { c: PasteChange; testId: string; labelOf: (input: string) => string }) {
  const { t } = useTranslation();
  const name = 'key' in c.field ? t(c.field.key) : labelOf(c.field.input);
  return (
    <li className={`paste-change k-${c.kind}${c.warn ? ' warn' : ''}`} data-testid={testId} data-path={c.path} data-kind={c.kind}>
      <span className="paste-field">{name}</span>{' '}
      {c.kind === 'same' ? (
        <span className="muted">{t('paste.same', { value: c.to ?? '' })}</span>
      ) : c.kind === 'changed' && c.from !== undefined ? (
        <code>
          {c.from} → {c.to ?? t('paste.replaced')}
        </code>
      ) : c.to !== undefined ? (
        <code>{c.to}</code>
      ) : (
        <span>{t('paste.replaced')}</span>
      )}
      {c.warn ? (
        <strong className="paste-warn" title={t('paste.inRegionWhy')}>
          {' '}
          ⚠ {t('paste.inRegion')}
        </strong>
      ) : null}
    </li>
  );
}

export function PasteCommand({ profile, where }: { profile: ProfileSummary; where: 'agent' | 'credentials' }) {
  const { t, i18n } = useTranslation();
  const os = useWizard((s) => s.form.agent.os);
  const applyImport = useWizard((s) => s.applyImport);
  const { last, pending, message } = usePaste();
  const [text, setText] = useState('');
  const labelOf = (name: string) => {
    const input = profile.inputs.find((i) => i.name === name);
    const label = inLang(input?.label, i18n.language) || name;
    return input?.type === 'secret' ? shortLabel(label) : label;
  };
  const apply = (r: Imported, changes: PasteChange[]) => {
    applyImport(r);
    usePaste.setState({ pending: null, last: { masked: r.masked, changes, secrets: r.secrets.map((s) => s.name), applied: true }, message: { kind: 'ok', key: 'paste.applied' } });
  };
  const read = async () => {
    try {
      const r = await api.request('profiles.importCommand', { profile: profile.id, os, text });
      // The keys are in secure storage now: the page does not keep the command, only its masked form.
      setText('');
      const { changes, overwrites } = pasteChanges(useWizard.getState().form, r);
      if (overwrites.length) {
        usePaste.setState({ pending: { r, overwrites }, last: { masked: r.masked, changes, secrets: r.secrets.map((s) => s.name), applied: false }, message: null });
      } else apply(r, changes);
    } catch (e) {
      usePaste.setState({ message: { kind: 'error', text: e instanceof ApiRequestError ? e.message : String(e) } });
    }
  };
  const cancel = async () => {
    const p = usePaste.getState().pending;
    usePaste.setState({ pending: null, last: null, message: { kind: 'cancelled', key: 'paste.cancelled' } });
    // Nothing of the paste stays: the keys it saved are forgotten again.
    for (const s of p?.r.secrets ?? []) await api.request('secrets.forget', { key: s.stored }).catch(() => undefined);
  };
  const id = `console-command-${where}`;
  return (
    <details className="paste-command" data-testid="paste-command" open={Boolean(last || pending || message) || undefined}>
      <summary>{t(where === 'agent' ? 'paste.titleEarly' : 'cred.pasteTitle')}</summary>
      <div className="field w-l">
        <label htmlFor={id}>{t('cred.pasteLabel')}</label>
        <textarea id={id} className="mono console-command" rows={4} value={text} spellCheck={false} autoComplete="off" onChange={(e) => setText(e.target.value)} aria-describedby={`${id}-msg`} />
        <div className={message?.kind === 'error' ? 'error' : 'hint'} id={`${id}-msg`} role={message?.kind === 'error' ? 'alert' : undefined} data-testid="paste-command-msg">
          {message ? (message.kind === 'error' ? message.text : t(message.key)) : t(where === 'agent' ? 'paste.hintEarly' : 'cred.pasteHint')}
        </div>
      </div>
      <button type="button" className="secondary" disabled={!text.trim() || Boolean(pending)} onClick={() => void read()} data-testid="paste-read">
        {t('cred.pasteRead')}
      </button>
      {pending ? (
        <div className="paste-confirm" role="alertdialog" aria-labelledby={`${id}-ask`} data-testid="paste-confirm">
          <p id={`${id}-ask`}>
            <strong>{t('paste.askTitle', { count: pending.overwrites.length })}</strong>
          </p>
          <ul className="paste-changes">
            {pending.overwrites.map((c) => (
              <ChangeItem key={c.path} c={c} testId="paste-overwrite" labelOf={labelOf} />
            ))}
          </ul>
          <div className="actions-row">
            <button type="button" className="secondary" onClick={() => void cancel()} data-testid="paste-cancel" autoFocus>
              {t('paste.cancel')}
            </button>
            <button type="button" className="primary" onClick={() => last && apply(pending.r, last.changes)} data-testid="paste-overwrite-confirm">
              {t('paste.overwrite')}
            </button>
          </div>
        </div>
      ) : null}
      {last ? (
        <div className="paste-last" data-testid="paste-last" data-applied={last.applied}>
          <p className="hint block">{last.applied ? t('paste.changedTitle') : t('paste.wouldChangeTitle')}</p>
          <ul className="paste-changes" data-testid="paste-changes" aria-label={t('paste.changedTitle')}>
            {last.changes.map((c) => (
              <ChangeItem key={c.path} c={c} testId="paste-change" labelOf={labelOf} />
            ))}
            {last.secrets.length ? (
              <li className="paste-change k-saved" data-testid="paste-change" data-kind="saved">
                {t('paste.secretsSaved', { names: last.secrets.map(labelOf).join('/') })}
              </li>
            ) : null}
          </ul>
          {last.changes.some((c) => c.warn) ? <p className="hint block">⚠ {t('paste.inRegionWhy')}</p> : null}
          <pre className="command paste-masked" data-testid="paste-masked" aria-label={t('paste.maskedLabel')}>
            {last.masked}
          </pre>
        </div>
      ) : null}
    </details>
  );
}
