// Step 4: what the chosen profile asks (its inputs), rendered from the profile's declarations, so a
// user-written profile gets the same form as ICAgent. Secrets go to secure storage at once
// (secrets.set); afterwards only their hint is shown, with Forget. A command copied from the vendor's
// console can be pasted instead of typing (PasteCommand.tsx, also on the Agent step).
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { InputSummary } from '../../../../electron/common/api';
import { Callout, fieldId, SecretField, StepHeader, TextField, useFieldError } from '../fields';
import { inputField, type InputField } from '../model';
import { PasteCommand } from '../PasteCommand';
import { selectProfile, useWizard } from '../store';

function inLang(text: Record<string, string>, lang: string): string {
  return text[lang] ?? text[lang.split('-')[0] ?? ''] ?? text.en ?? '';
}

function InputRow({ input }: { input: InputSummary }) {
  const { t, i18n } = useTranslation();
  // Select what the store holds (a stable reference); the empty default is made here, not in the selector.
  const stored = useWizard((s) => s.form.inputs[input.name]);
  const profileId = useWizard((s) => s.form.agent.profile);
  const field = useMemo(() => inputField({ agent: { profile: profileId }, inputs: stored ? { [input.name]: stored } : {} }, input), [stored, profileId, input]);
  const setInput = useWizard((s) => s.setInput);
  const touch = useWizard((s) => s.touch);
  const err = useFieldError('credentials');
  const path = `inputs.${input.name}`;
  const label = inLang(input.label, i18n.language) || input.name;
  const help = inLang(input.help, i18n.language) || undefined;
  const optional = !input.required;
  const placeholder = input.default !== undefined && input.default !== '' ? String(input.default) : undefined;
  if (field.kind === 'secret') {
    return <SecretField addr={`input.${input.name}`} path={path} label={label} value={field.slot} error={err(path)} hint={help} width="m" />;
  }
  if (field.kind === 'flag') {
    const id = fieldId(path);
    return (
      <div className="field w-l">
        <label className="check" htmlFor={id}>
          <input id={id} type="checkbox" checked={field.on} onChange={(e) => setInput(input.name, { kind: 'flag', on: e.target.checked })} /> {label}
        </label>
        {help ? <div className="hint">{help}</div> : null}
      </div>
    );
  }
  if (input.type === 'enum' && field.kind === 'text') {
    const id = fieldId(path);
    return (
      <div className="field w-m">
        <label htmlFor={id}>{label}</label>
        <select id={id} value={field.text} onChange={(e) => setInput(input.name, { kind: 'text', text: e.target.value })} onBlur={() => touch(path)} aria-describedby={`${id}-err`}>
          <option value="">{placeholder ? t('cred.default', { value: placeholder }) : t('cred.choose')}</option>
          {(input.choices ?? []).map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <div className="error" id={`${id}-err`} data-testid={`err-${path}`}>
          {err(path) ?? ''}
        </div>
      </div>
    );
  }
  const text = field.kind === 'list' || field.kind === 'text' ? field.text : '';
  const next = (v: string): InputField => (field.kind === 'list' ? { kind: 'list', text: v } : { kind: 'text', text: v, numeric: input.type === 'port' });
  return (
    <TextField
      path={path}
      label={label}
      value={text}
      onChange={(v) => setInput(input.name, next(v))}
      error={err(path)}
      hint={field.kind === 'list' ? `${help ? `${help} ` : ''}${t('cred.listHint')}` : help}
      placeholder={placeholder}
      mono={input.type !== 'string' || Boolean(input.pattern)}
      width={input.type === 'port' ? 's' : 'l'}
      optional={optional}
    />
  );
}

export function CredentialsStep() {
  const { t } = useTranslation();
  const profile = useWizard(selectProfile);
  const os = useWizard((s) => s.form.agent.os);
  const storage = useWizard((s) => s.storage);
  const mode = useWizard((s) => s.system?.mode ?? 'browser');
  const inputs = (profile?.inputs ?? []).filter((i) => !i.os || i.os.includes(os));
  const main = inputs.filter((i) => !i.advanced);
  const advanced = inputs.filter((i) => i.advanced);
  const hasSecrets = inputs.some((i) => i.type === 'secret');
  return (
    <section className="step">
      <StepHeader title={t('cred.title')} lead={t('cred.lead', { agent: profile?.name ?? '' })} />
      {profile?.consoleCommand.includes(os) ? <PasteCommand profile={profile} where="credentials" /> : null}
      {inputs.length === 0 ? <p className="muted">{t('cred.none')}</p> : null}
      {main.map((i) => (
        <InputRow key={i.name} input={i} />
      ))}
      {advanced.length ? (
        <details className="advanced" data-testid="inputs-advanced">
          <summary>{t('cred.advanced')}</summary>
          {advanced.map((i) => (
            <InputRow key={i.name} input={i} />
          ))}
        </details>
      ) : null}
      {hasSecrets ? (
        <Callout kind={storage.warning ? 'warn' : 'info'} title={t('cred.whereTitle')}>
          <span data-testid="secret-storage">{storage.kind === 'os' ? t('cred.whereOs') : mode === 'browser' ? t('cred.whereMemoryBrowser') : t('cred.whereMemory')}</span>
          {storage.warning ? <span className="block">{storage.warning}</span> : null}
        </Callout>
      ) : null}
    </section>
  );
}
