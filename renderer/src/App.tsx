// The app frame: title bar (language, open/save answers, terminal, version), the wizard, and a drawer
// with a local terminal.
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage } from './i18n';
import { answersProblems, parseAnswersText, saveAnswersFile } from './wizard/recipe';
import { selectAnswers, useWizard } from './wizard/store';
import { Wizard } from './wizard/Wizard';
import { useWizardWords } from './wizard/wizard-words';
import { InterruptedBatch } from './batch/InterruptedBatch';
import { InstalledView } from './installed/InstalledView';
import { useInstalledView } from './installed/view';

const TerminalView = lazy(() => import('./components/Terminal').then((m) => ({ default: m.TerminalView })));

function TerminalDrawer({ onClose, open }: { onClose(): void; open: boolean }) {
  const { t } = useTranslation();
  const pty = useWizard((s) => s.system?.ptyAvailable ?? true);
  // Closing only hides the drawer: the shell (and what it runs) lives on until the app closes.
  return (
    <aside className="drawer" aria-label={t('app.localTerminal')} hidden={!open} data-testid="terminal-drawer">
      <div className="drawer-head">
        <h2>{t('app.localTerminal')}</h2>
        <button type="button" className="link" onClick={onClose} data-testid="close-local-terminal">
          {t('common.close')}
        </button>
      </div>
      {pty ? (
        <Suspense fallback={<div className="terminal placeholder">{t('common.loading')}</div>}>
          <TerminalView label={t('app.localTerminal')} />
        </Suspense>
      ) : (
        <p role="alert">{t('app.noPty')}</p>
      )}
    </aside>
  );
}

export function App() {
  const { t, i18n } = useTranslation();
  const words = useWizardWords();
  const system = useWizard((s) => s.system);
  const bannerText = useWizard((s) => s.bannerText);
  const bannerEn = useWizard((s) => s.banner);
  const banner = bannerText && (i18n.exists(bannerText.key) || i18n.exists(`${bannerText.key}_other`)) ? t(bannerText.key, bannerText.params) : bannerEn;
  const notice = useWizard((s) => s.notice);
  const phase = useWizard((s) => s.phase);
  const init = useWizard((s) => s.init);
  const loadAnswers = useWizard((s) => s.loadAnswers);
  const setNotice = useWizard((s) => s.setNotice);
  const [terminal, setTerminal] = useState(false);
  // Mounted from the first opening on, so closing the drawer never ends the shell.
  const [terminalOpened, setTerminalOpened] = useState(false);
  const [bannerHidden, setBannerHidden] = useState(false);
  // The Installed view replaces the wizard while it is open; its runs show in the wizard's run view.
  const installed = useInstalledView((s) => s.open);
  const setInstalled = (open: boolean) => useInstalledView.setState({ open });
  const file = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void init();
  }, [init]);
  const lang = LANGUAGES.find((l) => i18n.language === l.code)?.code ?? 'en';
  return (
    <div className={terminal ? 'app drawer-open' : 'app'}>
      <header className="titlebar">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <span>Outpost</span>
          <span className="brand-sub">{t('app.tagline')}</span>
        </div>
        <div className="toolbar">
          <button
            type="button"
            className="tool"
            onClick={() => {
              // Opening replaces the answers: what was typed and not saved is only lost when the user says so.
              if (useWizard.getState().dirty && !window.confirm(t('app.confirmReplace'))) return;
              file.current?.click();
            }}
            disabled={phase !== 'wizard'}
            data-testid="open-answers"
          >
            {t('app.open')}
          </button>
          <input
            ref={file}
            type="file"
            accept=".yaml,.yml,.json,application/json,text/yaml"
            hidden
            data-testid="open-answers-file"
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (!f) return;
              void f
                .text()
                .then((text) => parseAnswersText(f.name, text))
                .then((a) => {
                  // What fits is loaded; what does not is listed as the CLI says it (a literal secret is dropped, and said so).
                  const problems = answersProblems(a);
                  loadAnswers(a);
                  setNotice(problems.length ? t('app.openedProblems', { name: f.name, count: problems.length, list: problems.map((p) => words(p)).join('\n') }) : t('app.opened', { name: f.name }));
                })
                .catch((err: unknown) => setNotice(t('app.openFailed', { name: f.name, error: err instanceof Error ? err.message : String(err) })));
            }}
          />
          <button
            type="button"
            className="tool"
            data-testid="save-answers"
            onClick={() =>
              void saveAnswersFile(selectAnswers(useWizard.getState())).then((name) => {
                useWizard.getState().markSaved();
                setNotice(t('app.saved', { name }));
              })
            }
          >
            {t('app.save')}
          </button>
          <button type="button" className="tool" aria-pressed={installed} disabled={phase === 'running'} onClick={() => setInstalled(!installed)} data-testid="open-installed">
            {installed ? t('app.wizard') : t('app.installed')}
          </button>
          <button type="button" className="tool" aria-expanded={terminal} onClick={() => {
              setTerminalOpened(true);
              setTerminal((v) => !v);
            }} data-testid="open-local-terminal">
            {t('app.terminal')}
          </button>
          <label className="lang">
            <span className="sr-only">{t('app.language')}</span>
            <span aria-hidden="true" className="globe" />
            <select value={lang} onChange={(e) => setLanguage(e.target.value)} data-testid="language" aria-label={t('app.language')}>
              {LANGUAGES.map((l) => (
                <option key={l.code} value={l.code} lang={l.code}>
                  {l.label}
                </option>
              ))}
            </select>
          </label>
        </div>
      </header>
      {banner && !bannerHidden ? (
        <div className="banner" role="note">
          <span>{banner}</span>
          <button type="button" className="link" onClick={() => setBannerHidden(true)} data-testid="dismiss-banner">
            {t('common.dismiss')}
          </button>
        </div>
      ) : null}
      {notice ? (
        <div className="notice" role="status">
          <span>{notice}</span>
          <button type="button" className="link" onClick={() => setNotice(null)}>
            {t('common.dismiss')}
          </button>
        </div>
      ) : null}
      {installed ? null : <InterruptedBatch />}
      <main className="main">{installed ? <InstalledView /> : <Wizard />}</main>
      {terminalOpened ? <TerminalDrawer open={terminal} onClose={() => setTerminal(false)} /> : null}
      <div className="statusbar">
        <span data-testid="app-version">{system ? `v${system.version} · ${system.platform}/${system.arch} · ${system.mode}` : '…'}</span>
        <span>{system?.dataDir ?? ''}</span>
      </div>
    </div>
  );
}
