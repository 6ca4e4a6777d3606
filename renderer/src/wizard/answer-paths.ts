// The UI never shows answers-file paths (`targets[0].password`, `connectivity.jumpServers[0].ssh`,
// "use tunnel: persistent in the answers"): the core says them, as the CLI and the answers file need;
// here every path in a message becomes the step and the field as the wizard shows them
// ("Hosts › web-1 › Password"), and the answers' own spellings become what to choose in the wizard.
type T = (key: string, params?: Record<string, unknown>) => string;

export interface PathContext {
  /** A target's stable name (its CSV name, else user@host:port) by its index in the answers. */
  hostName?: (index: number) => string | undefined;
  /** A profile input's label in the UI's language. */
  inputLabel?: (name: string) => string | undefined;
  /** A profile's per-host value's label (a host list column) in the UI's language. */
  hostInputLabel?: (name: string) => string | undefined;
}

const LOGIN: Record<string, string> = {
  host: 'hosts.host',
  port: 'common.port',
  user: 'common.user',
  password: 'auth.password',
  privateKey: 'auth.privateKey',
  'privateKey.path': 'auth.keyPath',
  'privateKey.passphrase': 'paths.passphrase',
  agent: 'auth.agent',
  name: 'paths.name',
  jump: 'paths.jump',
};

const CONNECTIVITY: Record<string, string> = {
  elbIp: 'conn.elbIp',
  connectionIp: 'conn.connectionIp',
  accessIp: 'conn.direct.accessIp',
  dc: 'conn.dc',
  tunnel: 'conn.tunnel',
  allowFrom: 'sg.allowFrom',
  vpcepDomain: 'conn.vpcep.domain',
  portOverrides: 'paths.portOverrides',
  jumpServers: 'paths.jumpServers',
  mode: 'conn.modeLegend',
};

const OPTIONS: Record<string, string> = {
  installDir: 'conn.installDir',
  downloadSha256: 'conn.downloadSha256',
  download: 'paths.download',
  downloadBase: 'paths.downloadBase',
};

const join = (parts: Array<string | undefined>) => parts.filter(Boolean).join(' › ');
/** A field's words by its key in a table, else the field as written. */
const said = (t: T, table: Record<string, string>, f: string): string => {
  const k = table[f];
  return k ? t(k) : f;
};

/** One answers path as the wizard names it: "<step> › <where> › <field>". */
export function pathWords(t: T, path: string, c: PathContext = {}): string {
  let m = /^targets\[(\d+)\](?:\.(.+))?$/.exec(path);
  if (m) {
    const i = Number(m[1]);
    const f = m[2];
    const field = f === undefined ? undefined : f.startsWith('vars.') ? (c.hostInputLabel?.(f.slice(5)) ?? f.slice(5)) : said(t, LOGIN, f);
    return join([t('steps.hosts'), c.hostName?.(i) ?? t('paths.hostN', { n: i + 1 }), field]);
  }
  m = /^connectivity\.jumpServers\[(\d+)\](\.proxy)?(?:\.ssh)?(?:\.(.+))?$/.exec(path);
  if (m) {
    const n = Number(m[1]) + 1;
    const f = m[3];
    const field = f === undefined ? undefined : f === 'privateIp' ? t('conn.jump.privateIp') : f === 'host' ? t(m[2] ? 'conn.proxy.host' : 'conn.jump.sshHost') : said(t, LOGIN, f);
    return join([t('steps.connectivity'), t('conn.jump.server', { n }), m[2] ? t('paths.proxy') : undefined, field]);
  }
  m = /^connectivity\.portOverrides\.(\d+)(?:\.(listen|target))?$/.exec(path);
  if (m) return join([t('steps.connectivity'), t('paths.portOverrides'), m[2] === 'target' ? t('conn.targetFor', { port: m[1] }) : t('conn.listenFor', { port: m[1] })]);
  m = /^connectivity\.([A-Za-z]+)(?:\[\d+\])?$/.exec(path);
  if (m?.[1]) return join([t('steps.connectivity'), said(t, CONNECTIVITY, m[1])]);
  m = /^options\.([A-Za-z0-9]+)$/.exec(path);
  if (m?.[1]) return join([t('steps.connectivity'), said(t, OPTIONS, m[1])]);
  m = /^inputs\.([A-Za-z0-9_]+)$/.exec(path);
  if (m?.[1]) return join([t('steps.credentials'), c.inputLabel?.(m[1]) ?? m[1]]);
  if (path === 'package' || path.startsWith('package.')) return join([t('steps.hosts'), t('paths.package')]);
  if (path === 'region') return t('steps.region');
  if (path === 'obsDomain') return join([t('steps.region'), t('region.obsDomain')]);
  if (path === 'targets') return t('steps.hosts');
  if (path === 'profile' || path === 'os') return t('steps.agent');
  return path;
}

/** An answers path anywhere in a sentence (the core's spellings: indexes in brackets, dotted fields). */
const PATH = /\b(targets\[\d+\](?:\.vars\.[a-z][A-Za-z0-9_]*|(?:\.[A-Za-z]+)*)(?:\.privateKey\.(?:path|passphrase))?|connectivity\.jumpServers\[\d+\](?:\.proxy)?(?:\.ssh)?(?:\.[A-Za-z]+)*|connectivity\.portOverrides\.\d+(?:\.(?:listen|target))?|connectivity\.[A-Za-z]+(?:\[\d+\])?|options\.[A-Za-z0-9]+|inputs\.[A-Za-z0-9_]+|package\.(?:path|sha256))\b/g;

/** The answers' own choices written as the wizard offers them (what to choose, where). */
const CHOICES: Array<[RegExp, string]> = [
  [/\(answers: connectivity\.tunnel: persistent\)/g, 'paths.choosePersistentParen'],
  [/\b(?:use|with) tunnel: persistent(?: in the answers)?/g, 'paths.choosePersistent'],
  [/\boptions\.download: tunnel\b/g, 'paths.downloadTunnel'],
  [/\boptions\.download: local\b/g, 'paths.downloadLocal'],
  [/\bset obsDomain in the answers\b/g, 'paths.setObsDomain'],
];
/** Bare field names left once the paths are said (a hint's "move the tunnel with portOverrides"). */
const AFTER: Array<[RegExp, string]> = [
  [/\bwith portOverrides\b/g, 'paths.withPortOverrides'],
  [/\bin the answers\b/g, 'paths.inTheWizard'],
];

/** A message from the core with every answers path and spelling said as the wizard names them. */
export function inWizardWords(t: T, text: string, c: PathContext = {}): string {
  let out = text;
  for (const [re, key] of CHOICES) out = out.replace(re, () => t(key));
  out = out.replace(PATH, (p) => `“${pathWords(t, p, c)}”`);
  for (const [re, key] of AFTER) out = out.replace(re, () => t(key));
  return out;
}
