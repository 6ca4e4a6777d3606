// Step 5: where the agent goes: one host, a list (pasted or an imported iplist.cfg, `IP [password]` per
// line), or, for Windows, this computer.
import { Fragment, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Callout, RadioCards, Segmented, SecretField, StepHeader, TextField, useFieldError } from '../fields';
import { readHostList, slot, type AuthKind, type ListHost } from '../model';
import { freshKey } from '../store/secrets';
import { defaultConcurrency } from '../../batch/model';
import { ConnectionTest } from '../ConnectionTest';
import { PackageField } from '../PackageField';
import { InheritedField } from '../InheritedField';
import { HostVarCells, HostVarHeaders, SingleHostVars, useHostInputs } from '../HostInputFields';
import { hostColumns } from '../host-inputs';
import { describeProblem } from '../problems';
import { useWizard } from '../store';
import { api, isDesktop } from '../../api/client';

function SingleHost() {
  const { t } = useTranslation();
  const single = useWizard((s) => s.form.hosts.single);
  const viaJump = useWizard((s) => s.form.connectivity.mode === 'jump' || s.form.connectivity.mode === 'bastion');
  const setHosts = useWizard((s) => s.setHosts);
  const err = useFieldError('hosts');
  return (
    <fieldset className="group">
      <legend>{t('hosts.target')}</legend>
      <div className="row">
        <TextField path="targets[0].host" label={t('hosts.host')} value={single.host} onChange={(v) => setHosts({}, { host: v })} error={err('targets[0].host')} hint={viaJump ? t('hosts.viaJump') : undefined} placeholder="10.1.0.21" mono width="m" />
        <TextField path="targets[0].port" label={t('common.port')} value={single.port} onChange={(v) => setHosts({}, { port: v })} error={err('targets[0].port')} mono width="xs" />
        <TextField path="targets[0].user" label={t('common.user')} value={single.user} onChange={(v) => setHosts({}, { user: v })} error={err('targets[0].user')} mono width="s" />
      </div>
      <Segmented<AuthKind>
        name="target-auth"
        legend={t('auth.legend')}
        value={single.auth}
        onChange={(v) => setHosts({}, { auth: v })}
        options={[
          { value: 'password', label: t('auth.password') },
          { value: 'privateKey', label: t('auth.privateKey') },
          { value: 'agent', label: t('auth.agent') },
        ]}
      />
      {single.auth === 'password' ? (
        <SecretField addr="target.single" path="targets[0].password" label={t('auth.passwordFor', { user: single.user || 'root' })} value={single.password} error={err(['targets[0].password', 'targets[0]'])} width="m" />
      ) : single.auth === 'privateKey' ? (
        <TextField path="targets[0].privateKey.path" label={t('auth.keyPath')} value={single.keyPath} onChange={(v) => setHosts({}, { keyPath: v })} error={err(['targets[0].privateKey.path', 'targets[0]'])} placeholder="~/.ssh/id_ed25519" mono width="l" />
      ) : (
        <p className="hint block">{t('auth.agentHint')}</p>
      )}
      <SingleHostVars />
    </fieldset>
  );
}

/** The host list file just imported (its passwords are in clear text in it): what can be done about it. */
interface ImportedFile {
  name: string;
  /** Desktop app: the core read it and may delete it (by this id). Browser: null (no path). */
  fileId: string | null;
  passwords: boolean;
  /** Its lines were added to the list: the notice shows. */
  added: boolean;
  result: { kind: 'deleted' | 'error'; text: string } | null;
}

/** After a host list file with passwords is added: offer to delete it (desktop), or say plainly why not (browser). */
function ImportedFileNotice({ file, onClose, onResult }: { file: ImportedFile; onClose: () => void; onResult: (r: ImportedFile['result']) => void }) {
  const { t } = useTranslation();
  const commitSecrets = useWizard((s) => s.commitSecrets);
  const memory = useWizard((s) => s.storage.kind === 'memory');
  const [busy, setBusy] = useState(false);
  if (file.result?.kind === 'deleted') {
    return (
      <div data-testid="hostfile-notice" data-state="deleted">
        <Callout kind="ok">
          {file.result.text}{' '}
          <button type="button" className="link" onClick={onClose}>
            {t('common.close')}
          </button>
        </Callout>
      </div>
    );
  }
  return (
    <div data-testid="hostfile-notice" data-state={file.fileId ? 'ask' : 'no-path'}>
      <Callout kind="warn" title={t('hosts.fileSecrets.title', { name: file.name })}>
        {file.fileId ? (
          <>
            <p>{memory ? t('hosts.fileSecrets.askMemory') : t('hosts.fileSecrets.ask')}</p>
            {file.result?.kind === 'error' ? <p className="error">{file.result.text}</p> : null}
            <div className="actions-row">
              <button
                type="button"
                className="secondary danger"
                disabled={busy}
                data-testid="hostfile-delete"
                onClick={() => {
                  setBusy(true);
                  void (async () => {
                    try {
                      // The passwords go to the secure store first: the file is then the only thing lost.
                      await commitSecrets();
                      // A password still unsaved (the store refused it): the file stays, it is their only copy.
                      if (useWizard.getState().form.hosts.list.some((l) => l.password?.draft)) {
                        onResult({ kind: 'error', text: t('hosts.fileSecrets.notSaved') });
                        return;
                      }
                      const r = await api.request('hosts.deleteFile', { fileId: file.fileId ?? '' });
                      onResult({ kind: 'deleted', text: t('hosts.fileSecrets.deleted', { path: r.deleted }) });
                    } catch (e) {
                      onResult({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
                    } finally {
                      setBusy(false);
                    }
                  })();
                }}
              >
                {t('hosts.fileSecrets.delete')}
              </button>
              <button type="button" className="secondary" data-testid="hostfile-keep" onClick={onClose}>
                {t('hosts.fileSecrets.keep')}
              </button>
            </div>
          </>
        ) : (
          <>
            <p>{t('hosts.fileSecrets.noPath')}</p>
            <button type="button" className="secondary" data-testid="hostfile-keep" onClick={onClose}>
              {t('hosts.fileSecrets.understood')}
            </button>
          </>
        )}
      </Callout>
    </div>
  );
}

type RowAuth = 'default' | 'password' | 'privateKey';

/** One host list row edited in place: address, port, user, name, and how it logs in (the list's default password, its own, or a key file). */
function HostEditRow({ i, row }: { i: number; row: ListHost }) {
  const { t } = useTranslation();
  const hosts = useWizard((s) => s.form.hosts);
  const update = useWizard((s) => s.updateListHost);
  const editHost = useWizard((s) => s.editHost);
  const err = useFieldError('hosts');
  // The port as typed (a number only once it is one); the list's port applies when it is empty.
  const [port, setPort] = useState(row.port === undefined ? '' : String(row.port));
  const portOk = port === '' || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
  const auth: RowAuth = row.keyPath !== undefined ? 'privateKey' : row.password ? 'password' : 'default';
  const setAuth = (a: RowAuth) => {
    if (a === auth) return;
    if (a === 'default') update(i, {}, ['password', 'keyPath']);
    else if (a === 'password') update(i, { password: slot(freshKey('target.password')) }, ['keyPath']);
    else update(i, { keyPath: '' }, ['password']);
  };
  return (
    <tr className="host-edit" data-testid="host-edit">
      <td colSpan={4 + useHostInputs().length}>
        <fieldset className="group tight">
          <legend>{t('hosts.editLegend', { host: row.host })}</legend>
          <div className="row">
            <TextField path={`targets[${i}].host`} label={t('hosts.host')} value={row.host} onChange={(v) => update(i, { host: v.trim() })} error={err(`targets[${i}].host`)} mono width="m" />
            <TextField path={`targets[${i}].port`} label={t('common.port')} value={port} placeholder={hosts.listPort || '22'} onChange={(v) => {
              setPort(v);
              if (v === '') update(i, {}, ['port']);
              else if (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535) update(i, { port: Number(v) });
            }} error={portOk ? err(`targets[${i}].port`) : t('hosts.badPort')} mono width="xs" />
            <TextField path={`targets[${i}].user`} label={t('common.user')} value={row.user ?? ''} placeholder={hosts.listUser || 'root'} onChange={(v) => (v.trim() ? update(i, { user: v.trim() }) : update(i, {}, ['user']))} error={err(`targets[${i}].user`)} mono width="s" />
            <TextField path={`targets[${i}].name`} label={t('hosts.name')} value={row.name ?? ''} onChange={(v) => (v ? update(i, { name: v }) : update(i, {}, ['name']))} optional width="s" />
          </div>
          <Segmented<RowAuth>
            name={`row-auth-${i}`}
            legend={t('auth.legend')}
            value={auth}
            onChange={setAuth}
            options={[
              { value: 'default', label: t('hosts.pwDefault') },
              { value: 'password', label: t('hosts.ownPassword') },
              { value: 'privateKey', label: t('auth.privateKey') },
            ]}
          />
          {auth === 'password' && row.password ? (
            <SecretField addr={`list.${i}`} path={`targets[${i}].password`} label={t('auth.passwordFor', { user: row.user ?? (hosts.listUser || 'root') })} value={row.password} error={err(`targets[${i}].password`)} width="m" />
          ) : auth === 'privateKey' ? (
            <TextField path={`targets[${i}].privateKey.path`} label={t('auth.keyPath')} value={row.keyPath ?? ''} onChange={(v) => update(i, { keyPath: v })} error={err(`targets[${i}].privateKey.path`)} placeholder="~/.ssh/id_ed25519" mono width="l" />
          ) : null}
          <div className="actions-row">
            <button type="button" className="secondary" data-testid="host-edit-done" onClick={() => editHost(null)}>
              {t('hosts.editDone')}
            </button>
          </div>
        </fieldset>
      </td>
    </tr>
  );
}

function HostList() {
  const { t } = useTranslation();
  const hosts = useWizard((s) => s.form.hosts);
  const setHosts = useWizard((s) => s.setHosts);
  const addListText = useWizard((s) => s.addListText);
  const removeListHost = useWizard((s) => s.removeListHost);
  const editing = useWizard((s) => s.editingHost);
  const editHost = useWizard((s) => s.editHost);
  const err = useFieldError('hosts');
  const [text, setText] = useState('');
  const [imported, setImported] = useState<ImportedFile | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const hostInputs = useHostInputs();
  /** A host list read from a file: into the editor, remembering whether it held passwords (to offer deleting it). */
  const takeFile = (name: string, fileId: string | null, content: string) => {
    const defaults = { user: hosts.listUser.trim() || 'root', port: Number(hosts.listPort) || 22 };
    setText(content);
    setImportError(null);
    setImported({ name, fileId, passwords: readHostList(content, defaults, hostColumns({ hostInputs })).hosts.some((h) => h.password !== undefined), added: false, result: null });
  };
  const file = useRef<HTMLInputElement>(null);
  // The CLI's formats: iplist.cfg, CSV with a header row (own port, user, key per host, the profile's per-host values), ranges, CIDR.
  const parsed = useMemo(() => readHostList(text, { user: hosts.listUser.trim() || 'root', port: Number(hosts.listPort) || 22 }, hostColumns({ hostInputs })), [text, hosts.listUser, hosts.listPort, hostInputs]);
  const bad = parsed.problems;
  const good = parsed.hosts.length;
  const needsDefault = hosts.list.some((l) => !l.password && !l.raw);
  return (
    <fieldset className="group">
      <legend>{t('hosts.listLegend')}</legend>
      <div className="field w-l">
        <label htmlFor="iplist">{t('hosts.paste')}</label>
        <textarea id="iplist" className="mono" rows={5} value={text} spellCheck={false} placeholder={t('hosts.pastePlaceholder')} aria-describedby="iplist-hint iplist-err" onChange={(e) => setText(e.target.value)} />
        <div className="hint" id="iplist-hint">
          {t('hosts.pasteHint')}
          {hostInputs.length ? ` ${t('hosts.pasteColumns', { names: hostColumns({ hostInputs }).join(', ') })}` : ''}
        </div>
        <div className="error" id="iplist-err" role={bad.length ? 'alert' : undefined} data-testid="err-iplist">
          {bad.length ? bad.map((b) => t('hosts.badLine', { line: b.line, problem: describeProblem(b.message, t) })).join(' · ') : ''}
        </div>
      </div>
      <div className="actions-row">
        <button
          type="button"
          className="secondary"
          disabled={good === 0}
          onClick={() => {
            addListText(text);
            if (imported?.passwords && !imported.added) setImported({ ...imported, added: true });
            // Only the lines that could not be read stay, so they can be fixed.
            setText(
              text
                .split(/\r?\n/)
                .filter((_, i) => bad.some((b) => b.line === i + 1))
                .join('\n'),
            );
          }}
        >
          {t('hosts.addLines', { count: good })}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            if (!isDesktop()) return file.current?.click();
            // Desktop app: main's dialog picks the file and the core reads it (and may delete it later).
            void (async () => {
              try {
                const r = await api.request('hosts.pickFile', {});
                if (r.picked) takeFile(r.path.split(/[\\/]/).pop() ?? r.path, r.fileId, r.text);
              } catch (err) {
                setImportError(err instanceof Error ? err.message : String(err));
              }
            })();
          }}
        >
          {t('hosts.import')}
        </button>
        <input
          ref={file}
          type="file"
          accept=".cfg,.txt,.csv,text/plain,text/csv"
          hidden
          data-testid="iplist-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            // A browser page has the file's contents, not its path: the user deletes the file themselves.
            void (async () => {
              try {
                takeFile(f.name, null, await f.text());
              } catch (err) {
                setImportError(err instanceof Error ? err.message : String(err));
              }
            })();
          }}
        />
      </div>
      {importError ? <Callout kind="error">{importError}</Callout> : null}
      {imported?.passwords && imported.added ? <ImportedFileNotice file={imported} onClose={() => setImported(null)} onResult={(result) => setImported({ ...imported, result })} /> : null}
      {hosts.list.length ? (
        <table className="data compact hosts-table" data-testid="host-list">
          <caption className="sr-only">{t('hosts.listLegend')}</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">{t('hosts.host')}</th>
              <th scope="col">{t('auth.password')}</th>
              <HostVarHeaders />
              <th scope="col">
                <span className="sr-only">{t('common.remove')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {hosts.list.map((l, i) => {
              const e = err([`targets[${i}].host`, `targets[${i}]`], 'targets.list');
              return (
                <Fragment key={`${i}`}>
                  <tr data-testid={`host-row-${i}`}>
                    <td>{i + 1}</td>
                    <td>
                      <code>
                        {l.user ? `${l.user}@` : ''}
                        {l.host}
                        {l.port ? `:${l.port}` : ''}
                      </code>
                      {l.name ? <span className="muted"> {l.name}</span> : null}
                      {e ? <div className="error inline">{e}</div> : null}
                    </td>
                    <td>{l.raw ? t('hosts.fromRecipe') : l.keyPath !== undefined ? t('auth.privateKey') : l.password ? (l.password.draft ? t('hosts.pwFromList') : l.password.ref ? t('secret.saved') : t('hosts.ownPassword')) : t('hosts.pwDefault')}</td>
                    <HostVarCells i={i} row={l} />
                    <td className="row-actions">
                      {l.raw ? null : (
                        <button type="button" className="link" data-testid={`host-edit-${i}`} aria-expanded={editing === i} onClick={() => editHost(editing === i ? null : i)} aria-label={t('hosts.editHost', { host: l.host })}>
                          {t('hosts.edit')}
                        </button>
                      )}{' '}
                      <button type="button" className="link danger" onClick={() => removeListHost(i)} aria-label={t('hosts.removeHost', { host: l.host })}>
                        {t('common.remove')}
                      </button>
                    </td>
                  </tr>
                  {editing === i && !l.raw ? <HostEditRow i={i} row={l} /> : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      ) : (
        <p className="hint block" data-testid="host-list-empty">
          {t('hosts.listEmpty')}
        </p>
      )}
      <div className="row">
        <TextField path="targets.port" label={t('common.port')} value={hosts.listPort} onChange={(v) => setHosts({ listPort: v })} error={err(hosts.list.map((_, i) => `targets[${i}].port`), 'targets.port')} mono width="xs" />
        <TextField path="targets.user" label={t('common.user')} value={hosts.listUser} onChange={(v) => setHosts({ listUser: v })} error={err(hosts.list.map((_, i) => `targets[${i}].user`), 'targets.user')} mono width="s" />
        {needsDefault ? <SecretField addr="target.default" path="targets.defaultPassword" label={t('hosts.defaultPassword')} value={hosts.listDefaultPassword} hint={t('hosts.defaultPasswordHint')} width="m" /> : null}
        <TextField
          path="run.concurrency"
          label={t('hosts.concurrency')}
          value={hosts.concurrency}
          placeholder={String(defaultConcurrency())}
          onChange={(v) => setHosts({ concurrency: v.trim() })}
          error={hosts.concurrency && !(/^\d{1,4}$/.test(hosts.concurrency) && Number(hosts.concurrency) >= 1 && Number(hosts.concurrency) <= 1000) ? t('hosts.badConcurrency') : null}
          hint={t('hosts.concurrencyHint', { n: defaultConcurrency() })}
          mono
          width="s"
        />
      </div>
    </fieldset>
  );
}

export function HostsStep() {
  const { t } = useTranslation();
  const os = useWizard((s) => s.form.agent.os);
  const hosts = useWizard((s) => s.form.hosts);
  const setHosts = useWizard((s) => s.setHosts);
  const err = useFieldError('hosts');
  // "This computer" for Windows only where Windows steps can run here: on Windows itself.
  const localWindows = useWizard((s) => s.system?.localWindows ?? false);
  const options = os === 'windows' && localWindows ? (['thisComputer', 'single', 'list'] as const) : (['single', 'list'] as const);
  const noHosts = err('targets', 'targets');
  return (
    <section className="step">
      <StepHeader title={t('hosts.title')} lead={t(os === 'windows' ? 'hosts.leadWindows' : 'hosts.lead')} />
      <RadioCards
        name="hosts-mode"
        legend={t('hosts.modeLegend')}
        columns={options.length}
        value={hosts.mode}
        onChange={(mode) => setHosts({ mode })}
        options={options.map((m) => ({ value: m, label: t(`hosts.mode.${m}`), description: t(`hosts.mode.${m}Desc`) }))}
      />
      {os === 'windows' && hosts.mode !== 'thisComputer' ? <Callout>{t('hosts.windowsSsh')}</Callout> : null}
      {hosts.mode === 'single' ? <SingleHost /> : hosts.mode === 'list' ? <HostList /> : <Callout>{t('hosts.thisComputerNote')}</Callout>}
      <InheritedField />
      <div className="error" role={noHosts ? 'alert' : undefined} data-testid="err-targets">
        {noHosts ?? ''}
      </div>
      {hosts.mode !== 'thisComputer' ? <ConnectionTest /> : null}
      <PackageField />
    </section>
  );
}
