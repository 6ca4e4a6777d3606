// The Review page as a runbook: "Reveal secrets" makes every copy button copy the command with its
// secrets filled in (the page keeps showing ****), and "Download runbook" offers one script per kind of
// host, plus all of them in one Markdown file. Revealed texts are dropped as soon as the answers change.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { create } from 'zustand';
import { ApiRequestError, api } from '../api/client';
import { Callout } from './fields';
import { downloadText } from './recipe';
import { selectAnswers, useWizard } from './store';

interface RunbookState {
  /** For the answers this JSON stands for: step id → text with secrets, after an explicit Reveal. */
  revealed: { for: string; steps: Record<string, string> } | null;
  files: { for: string; reveal: boolean; list: Array<{ name: string; text: string }> } | null;
}

export const useRunbook = create<RunbookState>()(() => ({ revealed: null, files: null }));

/** What a step's copy button copies: the revealed text for the current answers, else the masked display. */
export function useCopyText(stepId: string, masked: string): string {
  const forAnswers = useWizard((s) => s.review.forAnswers);
  return useRunbook((s) => (s.revealed && s.revealed.for === forAnswers ? (s.revealed.steps[stepId] ?? masked) : masked));
}

const download = (name: string, text: string): void => downloadText(name, text);

export function RunbookBar() {
  const { t } = useTranslation();
  const forAnswers = useWizard((s) => s.review.forAnswers);
  const revealed = useRunbook((s) => (s.revealed?.for === forAnswers ? s.revealed : null));
  const files = useRunbook((s) => (s.files?.for === forAnswers ? s.files : null));
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState<string[]>([]);

  const fetchRunbook = async (reveal: boolean) => {
    setError(null);
    try {
      const answers = selectAnswers(useWizard.getState());
      const r = await api.request('plan.runbook', { answers, reveal });
      setMissing(r.missing);
      return r;
    } catch (e) {
      setError(e instanceof ApiRequestError ? e.message : String(e));
      return null;
    }
  };

  return (
    <div className="runbook" data-testid="runbook">
      <div className="row">
        {revealed ? (
          <button type="button" className="secondary small" onClick={() => useRunbook.setState({ revealed: null, files: null })} data-testid="hide-secrets">
            {t('runbook.hide')}
          </button>
        ) : (
          <button
            type="button"
            className="secondary small"
            data-testid="reveal-secrets"
            onClick={() =>
              void fetchRunbook(true).then((r) => {
                if (r) useRunbook.setState({ revealed: { for: forAnswers, steps: r.steps }, files: null });
              })
            }
          >
            {t('runbook.reveal')}
          </button>
        )}
        <button
          type="button"
          className="secondary small"
          data-testid="runbook-download"
          onClick={() =>
            void fetchRunbook(Boolean(revealed)).then((r) => {
              if (r) useRunbook.setState({ files: { for: forAnswers, reveal: Boolean(revealed), list: r.files } });
            })
          }
        >
          {t('runbook.download')}
        </button>
      </div>
      {revealed ? (
        <Callout kind="warn">
          <span data-testid="revealed-note">{t('runbook.revealedNote')}</span>
        </Callout>
      ) : null}
      {missing.length ? <p className="hint block">{t('runbook.missing', { list: missing.join(', ') })}</p> : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {files ? (
        <ul className="plain-list runbook-files" data-testid="runbook-files">
          {files.list.map((f) => (
            <li key={f.name}>
              <button type="button" className="link" onClick={() => download(f.name, f.text)}>
                {f.name}
              </button>
            </li>
          ))}
          <li>
            <button type="button" className="link" onClick={() => download('outpost-runbook.md', files.list.map((f) => `## ${f.name}\n\n\`\`\`\n${f.text}\`\`\`\n`).join('\n'))} data-testid="runbook-all">
              {t('runbook.all')}
            </button>
          </li>
          {files.reveal ? <li className="hint">{t('runbook.filesRevealed')}</li> : null}
        </ul>
      ) : null}
    </div>
  );
}
