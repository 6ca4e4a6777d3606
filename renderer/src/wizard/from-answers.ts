// Reading answers back into the wizard's form (a saved recipe, `wizard.initial`, answers opened from a
// file): lenient, whatever fits is taken. Pure, unit-tested in Node.
import type { ProfileSummary, SecretRef } from '../../../electron/common/api';
import { varsFrom } from './host-inputs';
import { defaultUser, emptyForm, inputSecretKey, slot, type InputField, type Mode, type Os, type SecretSlot, type SshLoginForm, type WizardForm } from './model';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function refOf(v: unknown): SecretRef | null {
  if (!isObj(v)) return null;
  if (typeof v.env === 'string') return { env: v.env };
  if (typeof v.stored === 'string') return { stored: v.stored };
  return null;
}

function slotFrom(key: string, v: unknown, hints: Record<string, string>): SecretSlot {
  const ref = refOf(v);
  if (!ref) return slot(key);
  return { key: 'stored' in ref ? ref.stored : key, ref, hint: 'stored' in ref ? (hints[ref.stored] ?? '') : `$${ref.env}`, draft: '' };
}

function loginFrom(v: unknown, passwordKey: string, hints: Record<string, string>, os: Os): SshLoginForm {
  const o = isObj(v) ? v : {};
  const pk = isObj(o.privateKey) ? o.privateKey : null;
  return {
    host: str(o.host),
    port: o.port === undefined ? '22' : str(o.port),
    user: o.user === undefined ? defaultUser(os) : str(o.user),
    auth: o.agent === true ? 'agent' : pk ? 'privateKey' : 'password',
    password: slotFrom(passwordKey, o.password, hints),
    keyPath: pk ? str(pk.path) : '',
  };
}

/**
 * A form from an answers object (a saved recipe, `wizard.initial`). Lenient: whatever fits is taken,
 * the rest keeps its default, and validation then names what is missing. `hints` are the stored
 * secrets' hints (secrets.list).
 */
export function fromAnswers(a: unknown, hints: Record<string, string> = {}, regionIds: readonly string[] = [], profiles: readonly ProfileSummary[] = []): WizardForm {
  const f = emptyForm();
  if (!isObj(a)) return f;
  const os: Os = a.os === 'windows' ? 'windows' : 'linux';
  if (typeof a.profile === 'string') f.agent.profile = a.profile;
  f.agent.os = os;
  const region = str(a.region);
  if (region) {
    const listed = regionIds.length === 0 || regionIds.includes(region);
    f.region = { ...f.region, id: listed ? region : '', other: !listed, otherId: listed ? '' : region, obsDomain: str(a.obsDomain) };
  }
  if (a.obsDomain !== undefined) {
    f.region = { ...f.region, other: true, otherId: region, id: '', obsDomain: str(a.obsDomain) };
  }
  const c = isObj(a.connectivity) ? a.connectivity : {};
  const mode: Mode = c.mode === 'vpcep' || c.mode === 'direct' || c.mode === 'bastion' ? c.mode : 'jump';
  const conn = f.connectivity;
  conn.mode = mode;
  conn.traffic = c.traffic === 'production' || c.traffic === 'test' ? c.traffic : '';
  conn.dc = str(c.dc);
  if (mode === 'bastion') {
    const jumps = Array.isArray(c.jumpServers) ? c.jumpServers : [];
    if (jumps.length) conn.jumpServers = jumps.map((j, i) => ({ privateIp: '', ssh: loginFrom(isObj(j) ? j.ssh : undefined, `jump.${i}.password`, hints, 'linux') }));
    conn.directAccessIp = str(c.accessIp);
  } else if (mode === 'jump') {
    const jumps = Array.isArray(c.jumpServers) ? c.jumpServers : [];
    if (jumps.length) {
      conn.jumpServers = jumps.map((j, i) => {
        const jo = isObj(j) ? j : {};
        const px = isObj(jo.proxy) ? jo.proxy : null;
        return { privateIp: str(jo.privateIp), ssh: loginFrom(jo.ssh, `jump.${i}.password`, hints, 'linux'), ...(px ? { proxy: loginFrom(px.ssh, `jump.${i}.proxy.password`, hints, 'linux') } : {}) };
      });
    }
    conn.elbIp = str(c.elbIp);
    conn.connectionIp = str(c.connectionIp);
    conn.tunnel = c.tunnel === 'vendor' ? 'vendor' : 'persistent';
    if (Array.isArray(c.allowFrom)) conn.allowFrom = c.allowFrom.map(str).join(', ');
    if (isObj(c.portOverrides)) {
      for (const [port, o] of Object.entries(c.portOverrides)) {
        if (isObj(o)) conn.portOverrides[port] = { listen: str(o.listen), target: str(o.target) };
      }
    }
  } else if (mode === 'vpcep') {
    conn.vpcepDomain = str(c.vpcepDomain);
    conn.vpcepAccessIp = str(c.accessIp);
  } else {
    conn.directAccessIp = str(c.accessIp);
  }
  if (isObj(a.options)) {
    conn.installDir = str(a.options.installDir);
    conn.downloadSha256 = str(a.options.downloadSha256);
  }
  // `credentials:` is the older name of `inputs:`; both are read, `inputs` wins.
  const given = { ...(isObj(a.credentials) ? a.credentials : {}), ...(isObj(a.inputs) ? a.inputs : {}) };
  const declared = profiles.find((p) => p.id === f.agent.profile)?.inputs ?? [];
  for (const [name, v] of Object.entries(given)) {
    const field = fieldFrom(inputSecretKey(f.agent.profile, name), v, hints);
    // A literal where the profile wants a secret is dropped: never shown in clear, never kept.
    const secret = declared.find((i) => i.name === name)?.type === 'secret';
    if (field && (!secret || field.kind === 'secret')) f.inputs[name] = field;
  }
  const ts = Array.isArray(a.targets) ? a.targets : [];
  const h = f.hosts;
  h.listUser = defaultUser(os);
  if (isObj(a.package)) {
    h.packagePath = str(a.package.path);
    h.packageSha256 = str(a.package.sha256);
  }
  if (isObj(a.inheritFrom)) h.inherit = { on: true, seed: loginFrom(a.inheritFrom, 'inherit.seed.password', hints, 'linux') };
  if (ts.length === 0 || a.thisComputer === true) {
    h.mode = os === 'windows' || a.thisComputer === true ? 'thisComputer' : 'single';
    h.single.user = defaultUser(os);
  } else if (ts.length === 1 && simpleLogin(ts[0])) {
    h.mode = 'single';
    h.single = loginFrom(ts[0], 'target.0.password', hints, os);
    const vars = varsFrom(isObj(ts[0]) ? ts[0].vars : undefined);
    if (Object.keys(vars).length) h.singleVars = vars;
  } else {
    // Several targets: the list form (one port and user, passwords per host); a target it cannot
    // show as such (own port or user, a key, a name…) is kept as written.
    h.mode = 'list';
    const first = isObj(ts[0]) ? ts[0] : {};
    h.listPort = first.port === undefined ? '22' : str(first.port);
    h.listUser = first.user === undefined ? defaultUser(os) : str(first.user);
    h.list = ts.map((t, i) => {
      const { vars: given, ...to } = isObj(t) ? t : {};
      // Per-host values stay editable in their cells, even on a target kept as written.
      const vars = varsFrom(given);
      const withVars = Object.keys(vars).length ? { vars } : {};
      const plain = simpleLogin(to) && !to.privateKey && !to.agent && str(to.port || 22) === (h.listPort || '22') && str(to.user) === h.listUser;
      if (!plain) return { host: str(to.host), password: null, raw: to, ...withVars };
      return { host: str(to.host), password: refOf(to.password) ? slotFrom(`target.${i}.password`, to.password, hints) : null, ...withVars };
    });
  }
  return f;
}

/** An input's field from its answers value; a literal where a secret belongs is dropped (never kept). */
export function fieldFrom(key: string, v: unknown, hints: Record<string, string>): InputField | null {
  if (refOf(v)) return { kind: 'secret', slot: slotFrom(key, v, hints) };
  if (typeof v === 'boolean') return { kind: 'flag', on: v };
  if (Array.isArray(v)) return { kind: 'list', text: v.map(str).join('\n') };
  if (typeof v === 'number') return { kind: 'text', text: String(v), numeric: true };
  if (typeof v === 'string') return { kind: 'text', text: v };
  return null;
}

/** A target the login form shows exactly: host, port, user and one way to sign in without a key passphrase. */
function simpleLogin(t: unknown): boolean {
  if (!isObj(t)) return false;
  const known = new Set(['host', 'port', 'user', 'password', 'privateKey', 'agent', 'vars']);
  if (!Object.keys(t).every((k) => known.has(k))) return false;
  return !(isObj(t.privateKey) && t.privateKey.passphrase !== undefined);
}
