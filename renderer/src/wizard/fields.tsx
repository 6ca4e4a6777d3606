// Form building blocks: every input has a <label htmlFor>, its error is tied with aria-describedby and
// sits in a reserved line (no layout jump when it appears).
import { useCallback, useId, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { SecretSlot } from './model';
import { describeProblem } from './problems';
import { selectProblems, useWizard, type SlotAddr } from './store';
import type { StepId } from './model';
import { localCheck } from '../i18n/checks';
import { useWizardWords } from './wizard-words';

/** The visible error for a field: its problems (by path), once the field was left or Next was refused. */
export function useFieldError(step: StepId) {
  const { t } = useTranslation();
  const problems = useWizard((s) => selectProblems(s)[step]);
  const touched = useWizard((s) => s.touched);
  const revealed = useWizard((s) => Boolean(s.revealed[step]));
  return useCallback(
    (paths: string | string[], touchKey?: string): string | null => {
      const list = Array.isArray(paths) ? paths : [paths];
      const key = touchKey ?? list[0] ?? '';
      if (!revealed && !touched[key]) return null;
      const p = problems.find((x) => list.includes(x.path));
      return p ? describeProblem(p.message, t) : null;
    },
    [problems, touched, revealed, t],
  );
}

import { fieldId } from './validity';

export { fieldId };

interface TextFieldProps {
  path: string;
  label: string;
  value: string;
  onChange(v: string): void;
  error?: string | null;
  hint?: ReactNode;
  placeholder?: string;
  mono?: boolean;
  width?: 'xs' | 's' | 'm' | 'l';
  type?: 'text' | 'password';
  autoComplete?: string;
  optional?: boolean;
}

/** A field's hint and its error (always present, so the layout does not jump when one appears). */
function FieldMessages({ id, path, hint, error }: { id: string; path: string; hint?: ReactNode; error?: string | null | undefined }) {
  return (
    <>
      {hint ? (
        <div className="hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      <div className="error" id={`${id}-err`} role={error ? 'alert' : undefined} data-testid={`err-${path}`}>
        {error ?? ''}
      </div>
    </>
  );
}

export function TextField({ path, label, value, onChange, error, hint, placeholder, mono, width = 'l', type = 'text', autoComplete = 'off', optional }: TextFieldProps) {
  const { t } = useTranslation();
  const touch = useWizard((s) => s.touch);
  const id = fieldId(path);
  return (
    <div className={`field w-${width}`}>
      <label htmlFor={id}>
        {label}
        {optional ? <span className="optional"> {t('common.optional')}</span> : null}
      </label>
      <input
        id={id}
        type={type}
        className={mono ? 'mono' : undefined}
        value={value}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete={autoComplete}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-err${hint ? ` ${id}-hint` : ''}`}
        onChange={(e) => onChange(e.target.value)}
        onBlur={() => touch(path)}
      />
      <FieldMessages id={id} path={path} hint={hint} error={error} />
    </div>
  );
}

export interface CardOption<V extends string> {
  value: V;
  label: string;
  description?: ReactNode;
  badge?: string;
  disabled?: boolean;
}

/** Native radios styled as cards: arrow keys move between them, Space selects. */
export function RadioCards<V extends string>({ name, legend, options, value, onChange, columns = 2 }: { name: string; legend: string; options: CardOption<V>[]; value: V; onChange(v: V): void; columns?: number }) {
  return (
    <fieldset className="cards" style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}>
      <legend>{legend}</legend>
      {options.map((o) => {
        const id = `${name}-${o.value}`;
        return (
          <label key={o.value} htmlFor={id} className={`card${value === o.value ? ' selected' : ''}${o.disabled ? ' disabled' : ''}`}>
            <input type="radio" id={id} name={name} value={o.value} checked={value === o.value} disabled={o.disabled} onChange={() => onChange(o.value)} />
            <span className="card-body">
              <span className="card-title">
                {o.label}
                {o.badge ? <span className="badge">{o.badge}</span> : null}
              </span>
              {o.description ? <span className="card-desc">{o.description}</span> : null}
            </span>
          </label>
        );
      })}
    </fieldset>
  );
}

/** Compact radio row (auth kind, tunnel form). */
export function Segmented<V extends string>({ name, legend, options, value, onChange }: { name: string; legend: string; options: Array<{ value: V; label: string }>; value: V; onChange(v: V): void }) {
  return (
    <fieldset className="segmented">
      <legend>{legend}</legend>
      <div className="segments">
        {options.map((o) => (
          <label key={o.value} htmlFor={`${name}-${o.value}`} className={value === o.value ? 'on' : undefined}>
            <input type="radio" id={`${name}-${o.value}`} name={name} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} />
            {o.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/**
 * A secret: typed once, saved to secure storage when the field is left (or on Next), then shown only
 * as its hint with Replace / Forget.
 */
export function SecretField({ addr, path, label, value, error, hint, width = 'l' }: { addr: SlotAddr; path: string; label: string; value: SecretSlot; error?: string | null; hint?: ReactNode; width?: 'xs' | 's' | 'm' | 'l' }) {
  const { t } = useTranslation();
  const setDraft = useWizard((s) => s.setSecretDraft);
  const commit = useWizard((s) => s.commitSecret);
  const forget = useWizard((s) => s.forgetSecret);
  const touch = useWizard((s) => s.touch);
  const [replacing, setReplacing] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const id = fieldId(path);
  const saved = value.ref !== null && !value.draft && !replacing;
  const where = value.ref && 'env' in value.ref ? t('secret.fromEnv', { name: value.ref.env }) : value.hint ? t('secret.savedHint', { hint: value.hint }) : t('secret.saved');
  return (
    <div className={`field w-${width}`}>
      <label htmlFor={id}>{label}</label>
      {saved ? (
        <div className="secret-saved" data-testid={`secret-${path}`}>
          <span className="lock" aria-hidden="true" />
          <output id={id} className="secret-hint">
            {where}
          </output>
          <button
            type="button"
            className="link"
            onClick={() => {
              setReplacing(true);
              requestAnimationFrame(() => input.current?.focus());
            }}
          >
            {t('secret.replace')}
          </button>
          <button type="button" className="link danger" onClick={() => void forget(addr)}>
            {t('secret.forget')}
          </button>
        </div>
      ) : (
        <input
          ref={input}
          id={id}
          type="password"
          value={value.draft}
          autoComplete="new-password"
          spellCheck={false}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-err${hint ? ` ${id}-hint` : ''}`}
          onChange={(e) => setDraft(addr, e.target.value)}
          onBlur={() => {
            touch(path);
            setReplacing(false);
            void commit(addr);
          }}
        />
      )}
      <FieldMessages id={id} path={path} hint={hint} error={error} />
    </div>
  );
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API refused (permissions): fall back to a hidden textarea selection.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}

export function CopyButton({ text, label, testId }: { text: string; label?: string; testId?: string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  return (
    <button
      type="button"
      className="copy"
      data-testid={testId}
      aria-label={label ?? t('common.copy')}
      onClick={() => {
        void copyText(text).then((ok) => {
          setState(ok ? 'copied' : 'failed');
          window.clearTimeout(timer.current);
          timer.current = window.setTimeout(() => setState('idle'), 1800);
        });
      }}
    >
      <span aria-hidden="true" className={`copy-icon ${state}`} />
      <span aria-live="polite">{state === 'copied' ? t('common.copied') : state === 'failed' ? t('common.copyFailed') : t('common.copy')}</span>
    </button>
  );
}

export function DataTable({ columns, rows, caption }: { columns: string[]; rows: string[][]; caption?: string }) {
  return (
    <div className="table-wrap">
      <table className="data">
        {caption ? <caption>{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((c, j) => (
                // Short cells (a direction, a protocol) never wrap one character per line in narrow CJK layouts.
                <td key={j} className={c.length <= 8 ? 'nowrap' : undefined}>
                  {c}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function tableText(columns: string[], rows: string[][]): string {
  return [columns, ...rows].map((r) => r.join('\t')).join('\n');
}

export function Callout({ kind = 'info', title, children }: { kind?: 'info' | 'warn' | 'error' | 'ok'; title?: string; children: ReactNode }) {
  const id = useId();
  return (
    <div className={`callout ${kind}`} role={kind === 'error' ? 'alert' : undefined} aria-labelledby={title ? id : undefined}>
      {title ? (
        <div className="callout-title" id={id}>
          {title}
        </div>
      ) : null}
      <div className="callout-body">{children}</div>
    </div>
  );
}

export function StepHeader({ title, lead }: { title: string; lead?: ReactNode }) {
  return (
    <header className="step-header">
      <h1 tabIndex={-1} data-step-heading>
        {title}
      </h1>
      {lead ? <p className="lead">{lead}</p> : null}
    </header>
  );
}

/** Probe results as the run reports them: status word, name, what was found (a hint under failures). */
export function ChecksList({ checks, testId, hints = false }: { checks: ReadonlyArray<{ name: string; status: 'pass' | 'warn' | 'fail'; detail: string; hint?: string | undefined }>; testId?: string; hints?: boolean }) {
  const { t } = useTranslation();
  const words = useWizardWords();
  return (
    <ul className="checks compact" data-testid={testId}>
      {checks.map((raw) => {
        const c = localCheck(t, raw);
        return (
          <li key={raw.name} className={`check c-${c.status}`}>
            <span className="check-status">{t(`check.${c.status}`)}</span> {c.name}: {c.detail}
            {hints && c.hint && c.status !== 'pass' ? <div className="hint">{words(c.hint)}</div> : null}
          </li>
        );
      })}
    </ul>
  );
}
