// Step 3: how the hosts reach the cloud. Jump server (the vendor's extra-region setup, for tests and low
// traffic), bastion (SSH to the hosts through jump servers, nothing forwarded: the agents report through
// their own route), VPC endpoint (high traffic) or direct; the jump servers' logins; the tunnel; advanced
// port overrides and install folder; the security-group rule to add, as a table to copy.
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { NetworkForward } from '../../../../electron/common/api';
import { bracket } from '../../../../electron/common/forward';
import { Callout, CopyButton, DataTable, RadioCards, Segmented, SecretField, StepHeader, TextField, tableText, useFieldError } from '../fields';
import { splitList, type AuthKind, type JumpForm } from '../model';
import { selectProfile, useWizard } from '../store';
import { tableRows } from '../planText';

/** A profile with remote forwards: the host that reaches the destination and runs ssh -R into this jump server. */
function Proxy({ index, jump }: { index: number; jump: JumpForm }) {
  const { t } = useTranslation();
  const setProxy = useWizard((s) => s.setProxy);
  const err = useFieldError('connectivity');
  const base = `connectivity.jumpServers[${index}].proxy.ssh`;
  const made = jump.proxy !== undefined;
  // The proxy is part of this profile's answers: create its login (and password slot) when shown.
  useEffect(() => {
    if (!made) setProxy(index, {});
  }, [made, index, setProxy]);
  const p = jump.proxy ?? { host: '', port: '22', user: 'root', auth: 'password' as AuthKind, password: null, keyPath: '' };
  return (
    <fieldset className="group" data-testid={`proxy-${index}`}>
      <legend>{t('conn.proxy.title')}</legend>
      <p className="hint block">{t('conn.proxy.what')}</p>
      <div className="row">
        <TextField path={`${base}.host`} label={t('conn.proxy.host')} value={p.host} onChange={(v) => setProxy(index, { host: v })} error={err([`${base}.host`, `connectivity.jumpServers[${index}].proxy`])} placeholder="10.0.0.5" mono width="m" />
        <TextField path={`${base}.port`} label={t('common.port')} value={p.port} onChange={(v) => setProxy(index, { port: v })} error={err(`${base}.port`)} mono width="xs" />
        <TextField path={`${base}.user`} label={t('common.user')} value={p.user} onChange={(v) => setProxy(index, { user: v })} error={err(`${base}.user`)} mono width="s" />
      </div>
      <Segmented<AuthKind>
        name={`proxy-${index}-auth`}
        legend={t('auth.legend')}
        value={p.auth}
        onChange={(v) => setProxy(index, { auth: v })}
        options={[
          { value: 'password', label: t('auth.password') },
          { value: 'privateKey', label: t('auth.privateKey') },
          { value: 'agent', label: t('auth.agent') },
        ]}
      />
      {p.auth === 'password' && jump.proxy ? (
        <SecretField addr={`proxy.${index}`} path={`${base}.password`} label={t('auth.passwordFor', { user: p.user || 'root' })} value={jump.proxy.password} error={err(`${base}.password`)} width="m" />
      ) : p.auth === 'privateKey' ? (
        <TextField path={`${base}.privateKey.path`} label={t('auth.keyPath')} value={p.keyPath} onChange={(v) => setProxy(index, { keyPath: v })} error={err(`${base}.privateKey.path`)} placeholder="~/.ssh/id_ed25519" mono width="l" />
      ) : p.auth === 'agent' ? (
        <p className="hint block">{t('auth.agentHint')}</p>
      ) : null}
    </fieldset>
  );
}

/** One jump server's login. A bastion (SSH only, nothing forwarded) has no private IP: its SSH address is required. */
function JumpServer({ index, jump, count, remote, bastion = false }: { index: number; jump: JumpForm; count: number; remote: boolean; bastion?: boolean }) {
  const { t } = useTranslation();
  const setJump = useWizard((s) => s.setJump);
  const removeJump = useWizard((s) => s.removeJump);
  const err = useFieldError('connectivity');
  const base = `connectivity.jumpServers[${index}]`;
  return (
    <fieldset className="group" data-testid={`jump-${index}`}>
      <legend>
        {t('conn.jump.server', { n: index + 1 })}
        {count > 1 ? (
          <button type="button" className="link danger" onClick={() => removeJump(index)}>
            {t('common.remove')}
          </button>
        ) : null}
      </legend>
      <div className="row">
        {bastion ? null : (
          <TextField path={`${base}.privateIp`} label={t('conn.jump.privateIp')} value={jump.privateIp} onChange={(v) => setJump(index, { privateIp: v })} error={err(`${base}.privateIp`)} hint={t('conn.jump.privateIpHint')} placeholder="192.168.0.10" mono width="m" />
        )}
        <TextField
          path={`${base}.ssh.host`}
          label={t('conn.jump.sshHost')}
          optional={!bastion}
          value={jump.ssh.host}
          onChange={(v) => setJump(index, {}, { host: v })}
          error={err(`${base}.ssh.host`)}
          hint={bastion ? t('conn.bastion.sshHostHint') : t('conn.jump.sshHostHint')}
          placeholder={jump.privateIp || '203.0.113.10'}
          mono
          width="m"
        />
        <TextField path={`${base}.ssh.port`} label={t('common.port')} value={jump.ssh.port} onChange={(v) => setJump(index, {}, { port: v })} error={err(`${base}.ssh.port`)} mono width="xs" />
        <TextField path={`${base}.ssh.user`} label={t('common.user')} value={jump.ssh.user} onChange={(v) => setJump(index, {}, { user: v })} error={err(`${base}.ssh.user`)} mono width="s" />
      </div>
      <Segmented<AuthKind>
        name={`jump-${index}-auth`}
        legend={t('auth.legend')}
        value={jump.ssh.auth}
        onChange={(v) => setJump(index, {}, { auth: v })}
        options={[
          { value: 'password', label: t('auth.password') },
          { value: 'privateKey', label: t('auth.privateKey') },
          { value: 'agent', label: t('auth.agent') },
        ]}
      />
      {jump.ssh.auth === 'password' ? (
        <SecretField addr={`jump.${index}`} path={`${base}.ssh.password`} label={t('auth.passwordFor', { user: jump.ssh.user || 'root' })} value={jump.ssh.password} error={err([`${base}.ssh.password`, `${base}.ssh`])} width="m" />
      ) : jump.ssh.auth === 'privateKey' ? (
        <TextField path={`${base}.ssh.privateKey.path`} label={t('auth.keyPath')} value={jump.ssh.keyPath} onChange={(v) => setJump(index, {}, { keyPath: v })} error={err([`${base}.ssh.privateKey.path`, `${base}.ssh`])} placeholder="~/.ssh/id_ed25519" mono width="l" />
      ) : (
        <p className="hint block">{t('auth.agentHint')}</p>
      )}
      {remote && !bastion ? <Proxy index={index} jump={jump} /> : null}
    </fieldset>
  );
}

/** The security-group rule the plan asks for (plan.network: the `sg-rule` step's table), in the UI's language. */
function SecurityGroupRule() {
  const { t } = useTranslation();
  const network = useWizard((s) => s.network?.value ?? null);
  const allowFrom = useWizard((s) => s.form.connectivity.allowFrom);
  const setConnectivity = useWizard((s) => s.setConnectivity);
  const err = useFieldError('connectivity');
  if (!network) return <p className="hint block">{t('common.loading')}</p>;
  const sg = network.securityGroup;
  if (!sg) return null;
  const cols = sg.table.columns;
  const columns = cols.map((c) => t(`review.col.${c}`, { defaultValue: c }));
  // The plan's words are English: the direction and Outpost's own description are said in the UI's language.
  const rows = tableRows(t, sg.table).map((r) => r.map((c, j) => (cols[j] === 'Description' && !sg.ownDescription ? t('sg.desc') : c)));
  const allowErrors = splitList(allowFrom).map((_, i) => `connectivity.allowFrom[${i}]`);
  return (
    <div className="sg" data-testid="sg-rule">
      <div className="section-head">
        <h2>{t('sg.title')}</h2>
        <CopyButton text={tableText(columns, rows)} label={t('sg.copy')} testId="copy-sg" />
      </div>
      <p className="hint block">{t('sg.lead')}</p>
      <DataTable columns={columns} rows={rows} />
      <TextField
        path="connectivity.allowFrom"
        label={t('sg.allowFrom')}
        optional
        value={allowFrom}
        onChange={(v) => setConnectivity({ allowFrom: v })}
        error={err(allowErrors, 'connectivity.allowFrom')}
        hint={t('sg.allowFromHint')}
        placeholder="198.51.100.0/24, 203.0.113.0/24"
        mono
        width="l"
      />
    </div>
  );
}

/** The profile's own words for an address field (label or help, in the UI's language), else the wizard's. */
function useAddressWords(): (field: 'elbIp' | 'connectionIp' | 'accessIp', kind: 'label' | 'help', fallback: string) => string {
  const { i18n } = useTranslation();
  const profile = useWizard(selectProfile);
  return (field, kind, fallback) => {
    const w = profile?.addressWords[field]?.[kind];
    return w?.[i18n.language] ?? w?.en ?? fallback;
  };
}

/** The plan's forwarded ports (plan.network), one row per port of the profile: where each jump server listens and where it forwards to. */
function forwardedPorts(forwards: readonly NetworkForward[]): Array<{ port: number; name: string; forwards: NetworkForward[] }> {
  const out: Array<{ port: number; name: string; forwards: NetworkForward[] }> = [];
  for (const f of forwards) {
    const row = out.find((r) => r.port === f.port);
    if (row) row.forwards.push(f);
    else out.push({ port: f.port, name: f.name, forwards: [f] });
  }
  return out;
}

function Advanced() {
  const { t } = useTranslation();
  const conn = useWizard((s) => s.form.connectivity);
  const os = useWizard((s) => s.form.agent.os);
  const profile = useWizard(selectProfile);
  const network = useWizard((s) => s.network?.value ?? null);
  const setOverride = useWizard((s) => s.setOverride);
  const setConnectivity = useWizard((s) => s.setConnectivity);
  const err = useFieldError('connectivity');
  const hasAdvanced = Object.values(conn.portOverrides).some((o) => o.listen || o.target) || Boolean(conn.installDir);
  return (
    <details className="advanced" open={hasAdvanced || undefined}>
      <summary>{t('conn.advanced')}</summary>
      {conn.mode === 'jump' && network?.forwards.length ? (
        <div className="overrides">
          <p className="hint block">{t('conn.overridesLead')}</p>
          <table className="data compact" data-testid="forwarded-ports">
            <thead>
              <tr>
                <th scope="col">{t('conn.portName')}</th>
                <th scope="col">{t('conn.forward')}</th>
                <th scope="col">{t('conn.listenPort')}</th>
                <th scope="col">{t('conn.target')}</th>
              </tr>
            </thead>
            <tbody>
              {forwardedPorts(network.forwards).map((p) => {
                const key = String(p.port);
                const o = conn.portOverrides[key] ?? { listen: '', target: '' };
                const lp = `connectivity.portOverrides.${key}.listen`;
                const tp = `connectivity.portOverrides.${key}.target`;
                const le = err([lp, `connectivity.portOverrides.${key}`], lp);
                const te = err(tp);
                return (
                  <tr key={key}>
                    <th scope="row">
                      <code>{p.name}</code>
                    </th>
                    <td>
                      {p.forwards.map((f) => (
                        <code key={f.jump} className="forward">
                          {`${f.listenHost === null ? t('conn.jumpListen', { n: Number(f.jump.slice(4)) + 1 }) : bracket(f.listenHost)}:${f.listenPort} → ${f.targetHost === null ? t('conn.elb') : bracket(f.targetHost)}:${f.targetPort}`}
                        </code>
                      ))}
                    </td>
                    <td>
                      <TextField path={lp} label={t('conn.listenFor', { port: p.port })} value={o.listen} onChange={(v) => setOverride(key, { listen: v })} error={le} placeholder={key} mono width="xs" />
                    </td>
                    <td>
                      <TextField path={tp} label={t('conn.targetFor', { port: p.port })} value={o.target} onChange={(v) => setOverride(key, { target: v })} error={te} placeholder={t('conn.targetPlaceholder')} mono width="m" />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <TextField
        path="options.installDir"
        label={t('conn.installDir')}
        optional
        value={conn.installDir}
        onChange={(v) => setConnectivity({ installDir: v })}
        error={err('options.installDir')}
        placeholder={profile?.installDir[os]}
        hint={profile?.installDir[os] ? t('conn.installDirHint', { dir: profile.installDir[os] }) : undefined}
        mono
        width="l"
      />
      {profile && !profile.uses.download.includes(os) ? null : (
      <TextField
        path="options.downloadSha256"
        label={t('conn.downloadSha256')}
        optional
        value={conn.downloadSha256}
        onChange={(v) => setConnectivity({ downloadSha256: v })}
        error={err('options.downloadSha256')}
        hint={t('conn.downloadSha256Hint')}
        mono
        width="l"
      />
      )}
    </details>
  );
}

/**
 * What the line carries, asked first where the agent offers both a jump server and a VPC endpoint: the
 * vendor advises the jump server for tests and low log traffic and a VPC endpoint for high traffic, so
 * "production" chooses the endpoint (the admin can still pick the jump server, with the advice beside it).
 */
function Traffic() {
  const { t } = useTranslation();
  const traffic = useWizard((s) => s.form.connectivity.traffic);
  const mode = useWizard((s) => s.form.connectivity.mode);
  const setConnectivity = useWizard((s) => s.setConnectivity);
  return (
    <>
      <Segmented<'' | 'test' | 'production'>
        name="traffic"
        legend={t('conn.traffic.legend')}
        value={traffic}
        onChange={(v) => setConnectivity(v === 'production' ? { traffic: v, mode: 'vpcep' } : { traffic: v, ...(v === 'test' && mode === 'vpcep' ? { mode: 'jump' as const } : {}) })}
        options={[
          { value: 'test', label: t('conn.traffic.test') },
          { value: 'production', label: t('conn.traffic.production') },
        ]}
      />
      {traffic === 'production' && mode === 'jump' ? (
        <Callout kind="warn" title={t('conn.traffic.jumpTitle')}>
          {t('conn.traffic.jump')}
        </Callout>
      ) : traffic === 'production' && mode === 'vpcep' ? (
        <p className="hint block" data-testid="traffic-advice">
          {t('conn.traffic.vpcep')}
        </p>
      ) : null}
    </>
  );
}

export function ConnectivityStep() {
  const { t } = useTranslation();
  const conn = useWizard((s) => s.form.connectivity);
  const profile = useWizard((s) => s.catalog.profiles.find((p) => p.id === s.form.agent.profile));
  const setConnectivity = useWizard((s) => s.setConnectivity);
  const addJump = useWizard((s) => s.addJump);
  const loadNetwork = useWizard((s) => s.loadNetwork);
  const region = useWizard((s) => s.form.region);
  const inputs = useWizard((s) => s.form.inputs);
  const err = useFieldError('connectivity');
  // The forwarded ports and the security-group rule follow the answers: asked again a moment after a change.
  useEffect(() => {
    const timer = setTimeout(() => void loadNetwork(), 150);
    return () => clearTimeout(timer);
  }, [conn, region, inputs, profile, loadNetwork]);
  const offered = profile?.connectivity ?? ['jump', 'vpcep', 'direct'];
  const words = useAddressWords();
  const uses = profile?.uses ?? { accessIp: true, dc: true, download: [] };
  // The question follows what the agent needs: a cloud region's service, another service, or no network path at all.
  const needsPath = !profile || profile.regions || profile.ports.length > 0 || uses.accessIp;
  const head = !needsPath ? 'None' : profile?.regions === false ? 'Service' : '';
  const dcField = uses.dc ? <TextField path="connectivity.dc" label={t('conn.dc')} optional value={conn.dc} onChange={(v) => setConnectivity({ dc: v })} error={err('connectivity.dc')} hint={t('conn.dcHint')} placeholder="dc-east-1" mono width="s" /> : null;
  return (
    <section className="step">
      <StepHeader title={t(`conn.title${head}`)} lead={t(`conn.lead${head}`, { agent: profile?.name ?? '' })} />
      {offered.includes('jump') && offered.includes('vpcep') ? <Traffic /> : null}
      {offered.length < 2 ? null : (
      <RadioCards
        name="mode"
        legend={t('conn.modeLegend')}
        columns={2}
        value={conn.mode}
        onChange={(mode) => setConnectivity({ mode })}
        options={(['jump', 'bastion', 'vpcep', 'direct'] as const).map((m) => ({
          value: m,
          label: t(`conn.mode.${m}`),
          description: t(`conn.mode.${m}Desc`),
          badge: m === 'jump' ? t('conn.mode.jumpBadge') : m === 'vpcep' ? t('conn.mode.vpcepBadge') : undefined,
          disabled: !offered.includes(m),
        }))}
      />
      )}
      {conn.mode === 'jump' ? (
        <>
          <Callout title={t('conn.jump.whatTitle')}>{t('conn.jump.what')}</Callout>
          {conn.jumpServers.map((j, i) => (
            <JumpServer key={j.ssh.password.key} index={i} jump={j} count={conn.jumpServers.length} remote={profile?.ports.some((x) => x.direction === 'remote') ?? false} />
          ))}
          <div className="error" data-testid="err-connectivity.jumpServers">
            {err('connectivity.jumpServers', 'connectivity.jumpServers') ?? ''}
          </div>
          <button type="button" className="secondary small" onClick={addJump}>
            {t('conn.jump.add')}
          </button>
          {conn.jumpServers.length > 1 ? <Callout kind="info">{t('conn.jump.multi')}</Callout> : null}
          <div className="row">
            <TextField path="connectivity.elbIp" label={words('elbIp', 'label', t('conn.elbIp'))} value={conn.elbIp} onChange={(v) => setConnectivity({ elbIp: v })} error={err('connectivity.elbIp')} hint={words('elbIp', 'help', t('conn.elbIpHint'))} placeholder="100.125.12.150" mono width="m" />
            <TextField path="connectivity.connectionIp" label={words('connectionIp', 'label', t('conn.connectionIp'))} value={conn.connectionIp} onChange={(v) => setConnectivity({ connectionIp: v })} error={err('connectivity.connectionIp')} hint={words('connectionIp', 'help', t('conn.connectionIpHint'))} placeholder={conn.jumpServers[0]?.privateIp || '203.0.113.10'} mono width="m" />
            {dcField}
          </div>
          <Segmented
            name="tunnel"
            legend={t('conn.tunnel')}
            value={conn.tunnel}
            onChange={(v) => setConnectivity({ tunnel: v })}
            options={[
              { value: 'persistent', label: t('conn.tunnelPersistent') },
              { value: 'vendor', label: t('conn.tunnelVendor') },
            ]}
          />
          <p className="hint block">{conn.tunnel === 'persistent' ? t('conn.tunnelPersistentDesc') : t('conn.tunnelVendorDesc')}</p>
          <SecurityGroupRule />
        </>
      ) : conn.mode === 'bastion' ? (
        <>
          <Callout title={t('conn.bastion.whatTitle')}>{t('conn.bastion.what')}</Callout>
          {conn.jumpServers.map((j, i) => (
            <JumpServer key={j.ssh.password.key} index={i} jump={j} count={conn.jumpServers.length} remote={false} bastion />
          ))}
          <div className="error" data-testid="err-connectivity.jumpServers">
            {err('connectivity.jumpServers', 'connectivity.jumpServers') ?? ''}
          </div>
          <button type="button" className="secondary small" onClick={addJump}>
            {t('conn.jump.add')}
          </button>
          <div className="row">
            {uses.accessIp ? (
              <TextField path="connectivity.accessIp" label={words('accessIp', 'label', t('conn.bastion.accessIp'))} optional value={conn.directAccessIp} onChange={(v) => setConnectivity({ directAccessIp: v })} error={err('connectivity.accessIp')} hint={t('conn.bastion.accessIpHint')} placeholder="100.125.4.25" mono width="m" />
            ) : null}
            {dcField}
          </div>
        </>
      ) : conn.mode === 'vpcep' ? (
        <>
          <Callout title={t('conn.vpcep.whatTitle')}>{t('conn.vpcep.what')}</Callout>
          <div className="row">
            <TextField path="connectivity.vpcepDomain" label={t('conn.vpcep.domain')} value={conn.vpcepDomain} onChange={(v) => setConnectivity({ vpcepDomain: v })} error={err('connectivity.vpcepDomain')} hint={t('conn.vpcep.domainHint')} placeholder="lts-access.cn-north-4.vpcep.example.internal" mono width="l" />
            <TextField path="connectivity.accessIp" label={t('conn.vpcep.accessIp')} optional value={conn.vpcepAccessIp} onChange={(v) => setConnectivity({ vpcepAccessIp: v })} error={err('connectivity.accessIp')} hint={t('conn.vpcep.accessIpHint')} placeholder="10.10.0.200" mono width="m" />
            {dcField}
          </div>
        </>
      ) : (
        <>
          {needsPath ? <Callout title={t('conn.direct.whatTitle')}>{uses.accessIp ? t('conn.direct.what') : t('conn.direct.whatOwnRoute')}</Callout> : null}
          {uses.accessIp || uses.dc ? (
            <div className="row">
              {uses.accessIp ? (
                <TextField path="connectivity.accessIp" label={words('accessIp', 'label', t('conn.direct.accessIp'))} value={conn.directAccessIp} onChange={(v) => setConnectivity({ directAccessIp: v })} error={err('connectivity.accessIp')} hint={words('accessIp', 'help', t('conn.direct.accessIpHint'))} placeholder="100.125.4.25" mono width="m" />
              ) : null}
              {dcField}
            </div>
          ) : null}
        </>
      )}
      <Advanced />
    </section>
  );
}
