// The Review page's Export: the same plan as an Ansible inventory and playbook (export.ansible), written
// to a folder the user names (a full path; the app has no folder picker). What it wrote, the variables
// the secrets are read from, and the hosts still without a verified host key are shown after.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RequestOutput } from '../../../electron/common/api';
import { api, ApiRequestError } from '../api/client';
import { Callout, TextField } from './fields';
import { selectAnswers, useWizard } from './store';
import { useWizardWords } from './wizard-words';

export function ExportPanel() {
  const { t } = useTranslation();
  const words = useWizardWords();
  const dataDir = useWizard((s) => s.system?.dataDir ?? '');
  const profile = useWizard((s) => s.form.agent.profile);
  const [folder, setFolder] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<RequestOutput<'export.ansible'> | null>(null);
  const [error, setError] = useState<{ message: string; hint?: string | undefined } | null>(null);
  const sep = dataDir.includes('\\') ? '\\' : '/';
  const suggested = dataDir ? `${dataDir}${sep}exports${sep}${profile || 'agent'}-ansible` : '';
  const target = folder.trim() || suggested;
  // After an export, focus goes to what it says (the files written, or why not): a keyboard or screen
  // reader user hears it, and it is scrolled into view below the button.
  const said = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!result && !error) return;
    said.current?.scrollIntoView({ block: 'nearest' });
    said.current?.focus({ preventScroll: true });
  }, [result, error]);

  async function run() {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api.request('export.ansible', { answers: selectAnswers(useWizard.getState()), folder: target }));
    } catch (e) {
      setError(e instanceof ApiRequestError ? { message: e.message, hint: e.hint } : { message: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="plan-group export-panel" aria-labelledby="export-title" data-testid="export-panel">
      <h2 id="export-title">{t('review.export.title')}</h2>
      <p className="hint block">{t('review.export.lead')}</p>
      <TextField path="export.folder" label={t('review.export.folder')} value={folder} onChange={setFolder} placeholder={suggested} mono hint={t('review.export.folderHint')} />
      <button type="button" className="secondary" disabled={busy || !target} onClick={() => void run()} data-testid="export-button">
        {busy ? t('review.export.busy') : t('review.export.button')}
      </button>
      <div ref={said} tabIndex={-1} className="export-outcome" data-testid="export-outcome" aria-live="polite">
      {error ? (
        <Callout kind="error" title={t('review.export.failed')}>
          <pre className="plain" data-testid="export-error">{words(`${error.message}${error.hint ? `\n${error.hint}` : ''}`)}</pre>
        </Callout>
      ) : null}
      {result ? (
        <Callout kind={result.hostsWithoutKey.length ? 'warn' : 'ok'} title={t('review.export.done', { count: result.files.length, folder: result.folder })}>
          <div data-testid="export-result">
            <p>
              <code>{`cd ${result.folder} && ${result.env.map((e) => `${e.name}=… `).join('')}ansible-playbook -i inventory.yml site.yml${result.passwordHosts.length ? ' --ask-pass' : ''}`}</code>
            </p>
            {result.env.length ? <p>{t('review.export.env', { names: result.env.map((e) => e.name).join(', ') })}</p> : null}
            {result.passwordHosts.length ? <p>{t('review.export.passwords', { count: result.passwordHosts.length })}</p> : null}
            {result.hostsWithoutKey.length ? (
              <>
                <p>{t('review.export.noKey', { count: result.hostsWithoutKey.length })}</p>
                <ul className="plain-list">
                  {result.hostsWithoutKey.map((h) => (
                    <li key={h.name}>
                      <code>{h.label}</code>
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
            {result.warnings.map((w) => (
              <p key={w}>{w}</p>
            ))}
          </div>
        </Callout>
      ) : null}
      </div>
    </section>
  );
}
