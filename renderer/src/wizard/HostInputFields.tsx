// The chosen profile's per-host values (`hostInputs`) on the Hosts step: fields of the single-host form,
// and a column each in the host list, edited in place. Empty is the profile's default (the placeholder);
// a value the profile refuses is said on its own cell (`targets[N].vars.<name>`). The Review page says
// what each host gets, as the plan has it (a default filled in).
import { useTranslation } from 'react-i18next';
import type { HostInputSummary, Plan } from '../../../electron/common/api';
import { targetName } from '../batch/names';
import { fieldId, TextField, useFieldError } from './fields';
import { hostInputPlaceholder, hostInputWords } from './host-inputs';
import type { ListHost } from './model';
import { selectProfile, useWizard } from './store';

const NONE: HostInputSummary[] = [];

/** The chosen profile's per-host values (none until the catalog is loaded). */
export function useHostInputs(): HostInputSummary[] {
  return useWizard((s) => selectProfile(s)?.hostInputs ?? NONE);
}

/** The single host's per-host values: one field each, under its login. */
export function SingleHostVars() {
  const { i18n } = useTranslation();
  const inputs = useHostInputs();
  const vars = useWizard((s) => s.form.hosts.singleVars);
  const setHosts = useWizard((s) => s.setHosts);
  const err = useFieldError('hosts');
  if (!inputs.length) return null;
  return (
    <div className="row" data-testid="single-host-vars">
      {inputs.map((h) => {
        const w = hostInputWords(h, i18n.language);
        const path = `targets[0].vars.${h.name}`;
        const placeholder = hostInputPlaceholder(h);
        return <TextField key={h.name} path={path} label={w.label} value={vars?.[h.name] ?? ''} placeholder={placeholder} hint={w.help || undefined} optional={!h.required || placeholder !== undefined} onChange={(v) => setHosts({ singleVars: { ...vars, [h.name]: v } })} error={err(path)} mono width="l" />;
      })}
    </div>
  );
}

/** The host list's header cells for the per-host values (their help as a tooltip). */
export function HostVarHeaders() {
  const { i18n } = useTranslation();
  return (
    <>
      {useHostInputs().map((h) => {
        const w = hostInputWords(h, i18n.language);
        return (
          <th scope="col" key={h.name} title={w.help || undefined} data-testid={`host-col-${h.name}`}>
            {w.label}
          </th>
        );
      })}
    </>
  );
}

/** One host's per-host values, each an input in its cell with its problem under it. */
export function HostVarCells({ i, row }: { i: number; row: ListHost }) {
  const { i18n } = useTranslation();
  const update = useWizard((s) => s.updateListHost);
  const touch = useWizard((s) => s.touch);
  const err = useFieldError('hosts');
  return (
    <>
      {useHostInputs().map((h) => {
        const path = `targets[${i}].vars.${h.name}`;
        const id = fieldId(path);
        const e = err(path);
        return (
          <td key={h.name} className="host-var">
            <input
              id={id}
              type="text"
              className="mono"
              value={row.vars?.[h.name] ?? ''}
              placeholder={hostInputPlaceholder(h)}
              spellCheck={false}
              autoComplete="off"
              aria-label={`${hostInputWords(h, i18n.language).label}: ${row.host}`}
              aria-invalid={e ? true : undefined}
              aria-describedby={`${id}-err`}
              onChange={(ev) => update(i, { vars: { ...row.vars, [h.name]: ev.target.value } })}
              onBlur={() => touch(path)}
            />
            <div className="error inline" id={`${id}-err`} role={e ? 'alert' : undefined} data-testid={`err-${path}`}>
              {e ?? ''}
            </div>
          </td>
        );
      })}
    </>
  );
}

/** Hosts named in a Review summary line before "and N more". */
const SHOWN = 4;

/** Review summary lines: each per-host value as the plan gives it, one value when every host has the same. */
export function ReviewHostVars({ plan }: { plan: Plan }) {
  const { t, i18n } = useTranslation();
  const inputs = useHostInputs();
  const targets = plan.hosts.targets;
  if (!targets.length) return null;
  return (
    <>
      {inputs.map((h) => {
        const per = targets.map((tg) => ({ who: targetName({ ...tg.ssh, name: tg.name }), value: tg.vars?.[h.name] ?? '' }));
        const first = per[0]?.value ?? '';
        return (
          <div key={h.name} className="wide" data-testid={`review-host-var-${h.name}`}>
            <dt>{hostInputWords(h, i18n.language).label}</dt>
            <dd>
              {per.every((p) => p.value === first) ? (
                <code>{first || '—'}</code>
              ) : (
                <>
                  {per.slice(0, SHOWN).map((p, k) => (
                    <span key={k} className="nowrap">
                      {k ? ' · ' : ''}
                      <span className="muted">{p.who}</span> <code>{p.value || '—'}</code>
                    </span>
                  ))}
                  {per.length > SHOWN ? ` ${t('review.hostVarsMore', { count: per.length - SHOWN })}` : ''}
                </>
              )}
            </dd>
          </div>
        );
      })}
    </>
  );
}
