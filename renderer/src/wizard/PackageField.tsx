// Offline install: the agent package, a file on this computer. "Check" shows its size, kind and SHA-256
// and compares it with the value pasted or a `.sha256` file beside it; the run checks it again before
// anything is sent, and refuses a mismatch.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PackageInfo } from '../../../electron/common/api';
import { ApiRequestError, api } from '../api/client';
import { TextField, useFieldError } from './fields';
import { selectProfile, useWizard } from './store';

const size = (n: number) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1024 * 1024)).toFixed(1)} MiB`);

export function PackageField() {
  const { t } = useTranslation();
  const os = useWizard((s) => s.form.agent.os);
  const hosts = useWizard((s) => s.form.hosts);
  const setHosts = useWizard((s) => s.setHosts);
  const offline = useWizard((s) => selectProfile(s)?.offline ?? []);
  const err = useFieldError('hosts');
  const [info, setInfo] = useState<{ for: string; value: PackageInfo } | { for: string; error: string } | null>(null);
  const [busy, setBusy] = useState(false);
  if (!offline.includes(os)) return null;
  const pathValue = hosts.packagePath.trim();
  const sha = hosts.packageSha256.trim();
  const key = `${pathValue}\n${sha}`;
  const shown = info && info.for === key ? info : null;

  const check = async () => {
    setBusy(true);
    try {
      const value = await api.request('packages.inspect', { path: pathValue, ...(/^[A-Fa-f0-9]{64}$/.test(sha) ? { sha256: sha } : {}) });
      setInfo({ for: key, value });
    } catch (e) {
      setInfo({ for: key, error: e instanceof ApiRequestError ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <fieldset className="group" data-testid="package-field">
      <legend>{t('pkg.legend')}</legend>
      <p className="hint block">{t(os === 'windows' ? 'pkg.leadWindows' : 'pkg.lead')}</p>
      <div className="row">
        <TextField path="package.path" label={t('pkg.path')} optional value={hosts.packagePath} onChange={(v) => setHosts({ packagePath: v })} error={err('package.path')} placeholder={os === 'windows' ? 'C:\\Users\\Administrator\\Downloads\\ICProbeAgent.zip' : '/home/me/Downloads/ICProbeAgent.tar.gz'} mono width="l" />
      </div>
      {pathValue ? (
        <>
          <div className="row">
            <TextField path="package.sha256" label={t('pkg.sha256')} optional value={hosts.packageSha256} onChange={(v) => setHosts({ packageSha256: v })} error={err('package.sha256')} hint={t('pkg.sha256Hint')} mono width="l" />
          </div>
          <button type="button" className="secondary" disabled={busy} onClick={() => void check()} data-testid="package-check">
            {busy ? t('pkg.checking') : t('pkg.check')}
          </button>
          {shown && 'value' in shown ? (
            <div className={shown.value.matches === false ? 'error' : 'hint'} role={shown.value.matches === false ? 'alert' : 'status'} data-testid="package-info">
              <span className="block">{t('pkg.info', { size: size(shown.value.size), kind: shown.value.kind })}</span>
              <span className="block mono wrap-any">SHA-256 {shown.value.sha256}</span>
              {shown.value.expected ? (
                shown.value.matches ? (
                  <span className="block">{t(shown.value.expected.source === 'file' ? 'pkg.matchesFile' : 'pkg.matches')}</span>
                ) : (
                  <span className="block">
                    {t(shown.value.expected.source === 'file' ? 'pkg.mismatchFile' : 'pkg.mismatch')} <span className="mono wrap-any">{shown.value.expected.value}</span>
                  </span>
                )
              ) : (
                <span className="block">{t('pkg.noExpected')}</span>
              )}
            </div>
          ) : shown && 'error' in shown ? (
            <div className="error" role="alert" data-testid="package-info">
              {shown.error}
            </div>
          ) : null}
        </>
      ) : null}
    </fieldset>
  );
}
