// The Plan (version 2) as it crosses the API: the whole schedule. Nothing runs that the Plan does not
// show: the Review page, `outpost plan --json`, the journal and the Ansible export read the same steps.
// A plan never holds a secret value: secrets appear only as references ({ env } / { stored }) inside
// pieces, and every `display` text is already masked.
import { z } from 'zod';
import { request } from './define';

/** Where a secret lives: an environment variable (files, CLI) or the app's secure storage (UI). */
export const SecretRef = z.union([z.object({ env: z.string().min(1) }).strict(), z.object({ stored: z.string().min(1) }).strict()]);
export type SecretRef = z.infer<typeof SecretRef>;

/** A secret word: rendered `****` for display, resolved only when building the command to execute. */
/** A secret input's value by reference; `pattern` (the profile's) is checked when the value is resolved, before anything connects. */
export const SecretPiece = z.object({ secret: SecretRef, name: z.string(), pattern: z.string().optional(), patternHint: z.string().optional() }).strict();
export type SecretPiece = z.infer<typeof SecretPiece>;

/**
 * A value known only while the run goes on (e.g. the host key Outpost verified when it connected to a
 * jump server). Shown as `<name>` in display; the runner fills it in.
 */
export const FactPiece = z.object({ fact: z.string().regex(/^[A-Za-z0-9_.-]+$/) }).strict();
export type FactPiece = z.infer<typeof FactPiece>;

/**
 * One piece of a command: a plain string is ONE argv word (quoted for the step's shell); `secret` is
 * one secret word; `op` is shell syntax Outpost generated (`&&`, `;`, `{`, redirections), never a user
 * value; `assign` is a `NAME=value` prefix (POSIX shells only); `fact` is a run-time value (one word).
 */
export const Piece = z.union([
  z.string(),
  SecretPiece,
  FactPiece,
  z.object({ op: z.string() }).strict(),
  z.object({ assign: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: z.union([z.string(), SecretPiece]) }).strict(),
]);
export type Piece = z.infer<typeof Piece>;

export const Shell = z.enum(['bash', 'sh', 'cmd', 'powershell']);
export type Shell = z.infer<typeof Shell>;

export const Os = z.enum(['linux', 'windows']);
export type Os = z.infer<typeof Os>;

export const Mode = z.enum(['jump', 'bastion', 'vpcep', 'direct']);
export type Mode = z.infer<typeof Mode>;

export const Table = z.object({
  columns: z.array(z.string()),
  rows: z.array(z.array(z.string())),
  /** The same rows in another UI language (`zh-CN`, `fr`), where a profile gives its own words in it (a security-group description). */
  l10n: z.record(z.string(), z.array(z.array(z.string()))).optional(),
});
export type Table = z.infer<typeof Table>;

export const Forward = z.object({
  /** The profile's name for the port, e.g. `icagent-8149`; reports use it. */
  name: z.string(),
  listenHost: z.string(),
  listenPort: z.number().int(),
  targetHost: z.string(),
  targetPort: z.number().int(),
  /** The destination speaks HTTP (the installer's download): carrying means an HTTP answer comes back. */
  http: z.boolean().optional(),
});
export type Forward = z.infer<typeof Forward>;

export const ReachTarget = z.object({ name: z.string(), host: z.string(), port: z.number().int() });
export type ReachTarget = z.infer<typeof ReachTarget>;

/** The profile's words when a check fails or cannot tell (replaces Outpost's generic hint): the vendor's log, what to do. */
const ProbeHint = z.string().optional();

/** A read-only check with a verdict. Preflight and verify are lists of probes; a guard is one. */
export const Probe = z.discriminatedUnion('kind', [
  /** SSH login with the host key verified (connect steps). */
  z.object({ kind: z.literal('login') }),
  /** Clock and time zone against this computer. */
  z.object({ kind: z.literal('clock') }),
  z.object({ kind: z.literal('platform'), os: Os, arch: z.array(z.string()) }),
  z.object({ kind: z.literal('disk'), path: z.string(), minFreeMiB: z.number().int() }),
  z.object({ kind: z.literal('tools'), anyOf: z.array(z.array(z.string())) }),
  /** Root, or sudo without a password (steps that need it are run with `sudo -n`); on Windows: administrator rights (elevated). */
  z.object({ kind: z.literal('privilege'), os: Os.optional() }),
  /** TCP reach from the host to each address. */
  z.object({ kind: z.literal('reach'), targets: z.array(ReachTarget) }),
  /** Every forward's listen address is listening on the host. */
  z.object({
    kind: z.literal('listening'),
    forwards: z.array(Forward),
    /**
     * A per-host port (`{host.<column>}`, a column of the host list): filled on each host like every
     * template, it is that host's listen port (digits only, checked before it is used; `forwards`
     * holds the probe's name and port 0 until then).
     */
    port: z.string().optional(),
    hint: ProbeHint,
  }),
  /**
   * Every forward held by the tunnel's own ssh (the login user's, with `argv`'s pairs, the unit's
   * MainPID when it runs) and carrying: a connection through it reaches its destination.
   */
  z.object({ kind: z.literal('tunnelHealthy'), forwards: z.array(Forward), argv: z.array(z.string()).optional(), unit: z.string().optional() }),
  /** Established connections on the forwards' listen ports from each target (seen on the jump server). */
  z.object({ kind: z.literal('tunnelTraffic'), forwards: z.array(Forward), ports: z.array(z.number().int()) }),
  /** A process whose command line holds `match`; `mine`: only the login user's (a tunnel's ssh, not anyone's look-alike). */
  z.object({ kind: z.literal('process'), name: z.string(), match: z.string(), mine: z.boolean().optional(), hint: ProbeHint }),
  z.object({ kind: z.literal('service'), name: z.string(), expect: z.string(), hint: ProbeHint }),
  /** An HTTP(S) answer with one of these status codes (certificate not checked: reachability only). */
  z.object({ kind: z.literal('http'), name: z.string(), url: z.string(), status: z.array(z.number().int()), hint: ProbeHint }),
  /** Established TCP connections from the agent's process to these ports. */
  z.object({ kind: z.literal('connections'), name: z.string(), process: z.string(), ports: z.array(z.number().int()), hint: ProbeHint }),
  /**
   * A second SSH login to the host as `user` with the private key at `keyPath` on this computer, through
   * the same way and with the same host key check as the first: the key login a step set up works.
   */
  z.object({ kind: z.literal('keyLogin'), user: z.string(), keyPath: z.string(), hint: ProbeHint }),
  /** The host was confirmed by another step's program (the inherited installation's per-host line). */
  z.object({ kind: z.literal('confirmed'), step: z.string(), address: z.string() }),
  /** A command judged by exit code and markers. */
  z.object({
    kind: z.literal('command'),
    name: z.string(),
    shell: Shell,
    command: z.array(Piece),
    exitCode: z.number().int().optional(),
    markers: z.array(z.string()).optional(),
    /** What the vendor advises rather than requires: a failure is a warning. */
    advisory: z.boolean().optional(),
    hint: ProbeHint,
    /** Markers meaning the check could not be made: "could not check" (a warning), never a pass, whatever the exit code. */
    unknown: z.array(z.string()).optional(),
  }),
]);
export type Probe = z.infer<typeof Probe>;

export const AuthInfo = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password'), password: SecretRef }),
  z.object({ kind: z.literal('privateKey'), path: z.string(), passphrase: SecretRef.optional() }),
  z.object({ kind: z.literal('agent') }),
]);
export type AuthInfo = z.infer<typeof AuthInfo>;

export const SshEndpoint = z.object({ host: z.string(), port: z.number().int(), user: z.string(), auth: AuthInfo });
export type SshEndpoint = z.infer<typeof SshEndpoint>;

/** Output pattern → a plain hint (the profile's diagnosis). */
export const Diagnosis = z.object({ pattern: z.string(), code: z.string(), hint: z.string() });
export type Diagnosis = z.infer<typeof Diagnosis>;

/** A user name (or user:group) for `owner:`. */
export const Owner = z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}\$?(:[a-z_][a-z0-9_.-]{0,31})?$/i);

/** A question an interactive step's program asks, and what Outpost types (a secret, never shown). */
export const PromptAnswer = z.object({ pattern: z.string(), answer: z.union([z.string(), SecretPiece]), max: z.number().int().min(1).max(10) }).strict();
export type PromptAnswer = z.infer<typeof PromptAnswer>;

export const Action = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('instruction'), text: z.string(), table: Table.optional() }),
  z.object({
    kind: z.literal('exec'),
    shell: Shell,
    command: z.array(Piece),
    /** Exit code expected (when set) and markers of which at least one must appear (when non-empty). */
    success: z.object({ exitCode: z.number().int().optional(), markers: z.array(z.string()).optional() }),
    /** Any of these in the output means failure, whatever the exit code. */
    failureMarkers: z.array(z.string()),
    timeoutSec: z.number().int().positive(),
    /** Needs a PTY a person may type into (e.g. the vendor tunnel asks for a password). */
    interactive: z.boolean(),
    /** Run as root: `sudo -n` when the login user is not root. */
    root: z.boolean(),
    diagnosis: z.array(Diagnosis),
    /** Interactive: answers typed into the PTY when the output asks (the vendor's password questions). */
    respond: z.array(PromptAnswer).optional(),
    /**
     * The program installs on other hosts and says which (the vendor's inherited installation): lines
     * matching `hostDone` (named group `ip`) confirm a host; with `single`, a `singleDone` line confirms
     * that one host; `finished` is its last line. Recorded as run facts the hosts' `confirmed` probe reads.
     */
    confirms: z.object({ hostDone: z.string(), singleDone: z.string().optional(), finished: z.string().optional(), single: z.string().optional() }).strict().optional(),
  }),
  z.object({
    kind: z.literal('writeFile'),
    path: z.string(),
    /** Concatenated: plain text and secret pieces. */
    content: z.array(z.union([z.string(), SecretPiece])),
    mode: z.number().int(),
    /** Removed after the step that follows it, whatever happened (register.json, an env file). */
    transient: z.boolean(),
    /** json: values (secrets, per-host values) are escaped for a JSON string when filled in. */
    escape: z.enum(['none', 'json']),
    root: z.boolean(),
    /** chown the file to this user (needs root); default: root with `root`, else the login user. */
    owner: Owner.optional(),
  }),
  z.object({
    kind: z.literal('editIni'),
    path: z.string(),
    /** A value is text, or a secret piece (written through the file, never shown). */
    set: z.array(z.object({ section: z.string(), key: z.string(), value: z.union([z.string(), SecretPiece]) })),
    root: z.boolean(),
  }),
  z.object({
    kind: z.literal('upload'),
    /** The local file; with `fromFact`, what it is (the URL it was fetched from), for display. */
    from: z.string(),
    /** The file is one a `fetch` step of this run wrote: its path and SHA-256 are the run facts `<fromFact>.path` and `<fromFact>.sha256`. */
    fromFact: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
    to: z.string(),
    sha256: z.string().nullable(),
    mode: z.number().int(),
    root: z.boolean(),
    owner: Owner.optional(),
  }),
  /**
   * Fetch a file on this computer (step on `local`) over HTTPS, the certificate checked (Node's CAs and
   * NODE_EXTRA_CA_CERTS), redirects followed to https only, at most `maxBytes` within `timeoutSec`;
   * written atomically to a private cache folder. Publishes the run facts `<fact>.path` and `<fact>.sha256`.
   */
  z.object({
    kind: z.literal('fetch'),
    url: z.string(),
    /** The file's name in the cache (prefixed there with its SHA-256). */
    file: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    /** The SHA-256 it must have (the answers' options.downloadSha256), or null. */
    sha256: z.string().nullable(),
    maxBytes: z.number().int().positive(),
    timeoutSec: z.number().int().positive(),
    fact: z.string().regex(/^[A-Za-z0-9_.-]+$/),
    /** Said when this computer cannot fetch it: the alternatives. */
    hint: z.string(),
  }),
  z.object({ kind: z.literal('unpack'), archive: z.string(), dest: z.string(), format: z.enum(['zip', 'tar', 'tar.gz']), sha256: z.string().nullable(), root: z.boolean(), owner: Owner.optional(), keep: z.array(z.string()).optional() }),
  z.object({
    kind: z.literal('forward'),
    /** local: `ssh -L`, the host running it listens. remote: `ssh -R`, the `via` host listens (on the step's host the ssh runs). */
    direction: z.enum(['local', 'remote']),
    /** persistent: a systemd unit (user unit when not root; `ssh -f` in the background where systemd is absent, said so). oneoff: the vendor's `ssh -f -N`. */
    form: z.enum(['persistent', 'oneoff']),
    forwards: z.array(Forward),
    /** The SSH server the forwarding connection logs in to (for a jump tunnel: the jump server itself). */
    via: z.object({ host: z.string(), port: z.number().int(), user: z.string() }),
    /** The vendor's one-off command, exactly as the documentation gives it. */
    oneoffCommand: z.string(),
    /** The ssh argv the persistent unit (and the background fallback) runs. */
    sshArgv: z.array(z.string()),
    identityFile: z.string(),
    unitName: z.string(),
    unitText: z.string(),
    userUnitText: z.string(),
    /** What happens where systemd is absent, in words and as the command (shown on the Review page). */
    fallback: z.string(),
  }),
  /**
   * Read-only checks. `expect: absent` turns the verdict round (an uninstall's proof): the step passes
   * when no probe of a running agent (process, service, connections, listening) passes or is unsure on
   * the host and the probes do not all pass; a command probe still passing is a warning.
   */
  z.object({ kind: z.literal('probe'), probes: z.array(Probe), expect: z.literal('absent').optional() }),
]);
export type Action = z.infer<typeof Action>;
export type ActionKind = Action['kind'];

/**
 * Where a step runs: `console` (the user, in the cloud console), `local`, a jump server id (`jump0`), the
 * proxy of a jump server (`proxy0`, remote forwards), `seed` (the host that installs the others in an
 * inherited installation), or `targets`.
 */
export const On = z.string().regex(/^(console|local|targets|seed|jump\d+|proxy\d+)$/);
export type On = z.infer<typeof On>;

export const Phase = z.enum(['prepare', 'connect', 'tunnel', 'preflight', 'transfer', 'install', 'verify', 'remedy']);
export type Phase = z.infer<typeof Phase>;

export const Step = z.object({
  /** Stable id: `sg-rule`, `connect.jump0`, `tunnel.jump0.key`, `tunnel.jump0`, `connect`, `preflight`, `install`, `verify`, `uninstall`. */
  id: z.string(),
  title: z.string(),
  /** i18n key of the title, with its parameters. */
  titleKey: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
  /** The title in each language, for steps whose words come from a profile. */
  titles: z.record(z.string(), z.string()).optional(),
  on: On,
  phase: Phase,
  action: Action,
  /** When this probe passes, the step is skipped (idempotent re-runs). */
  guard: z.object({ probes: z.array(Probe), says: z.string() }).optional(),
  /**
   * The vendor's remedy: a step id (phase `remedy`). With `retry: once` it runs by itself when this step
   * fails, and the step is tried once more; without, it runs only before the step in a reinstall.
   */
  onFailure: z.object({ remedy: z.string(), hint: z.string(), retry: z.enum(['never', 'once']).default('never') }).optional(),
  /** Only run in a run that asks for it (remedy steps, verify-only probes). */
  optional: z.boolean().optional(),
  /**
   * A failure is said as a warning and the host goes on (`outpost check`'s tunnel health on a jump
   * server: the targets behind a broken tunnel are still checked, and their state names the tunnel).
   */
  warnOnly: z.boolean().optional(),
  /** Part of it is Outpost's choice, not the vendor's documents (the profile's source marks it [inferred]). */
  inferred: z.boolean().optional(),
  /** Masked text: the command as it would be typed, or the instruction text. */
  display: z.string(),
  /** Where each **** in the display comes from, in order of first use: `$OUTPOST_AK` or `stored "icagent.ak"`. */
  secrets: z.array(z.object({ name: z.string(), from: z.string() })).optional(),
  /** Longer English explanation (what the step does, why, where its template comes from). */
  description: z.string(),
});
export type Step = z.infer<typeof Step>;

export const JumpHost = z.object({ id: z.string(), index: z.number().int(), label: z.string(), privateIp: z.string(), ssh: SshEndpoint });
export type JumpHost = z.infer<typeof JumpHost>;

export const TargetHost = z.object({
  id: z.string(),
  index: z.number().int(),
  label: z.string(),
  name: z.string().optional(),
  ssh: SshEndpoint,
  /** The jump server id to reach it through. */
  via: z.string().nullable(),
  /** Per-host values (host list columns), checked against the profile: `{host.<name>}` on this host. */
  vars: z.record(z.string(), z.string()).optional(),
  /** `seed`: Outpost does not log in to it; the seed host's installer does (inherited installation). */
  by: z.literal('seed').optional(),
});
export type TargetHost = z.infer<typeof TargetHost>;

export const Plan = z.object({
  version: z.literal(2),
  /**
   * What the plan does to installed hosts: absent for an install; `check` (read-only: the tunnel's
   * health and the agent's verify probes, `outpost check`) and `uninstall` (the profile's uninstall
   * steps, then proof the agent is gone) are derived from the install plan (core/plan/lifecycle.ts).
   */
  lifecycle: z.enum(['check', 'uninstall', 'repair']).optional(),
  profile: z.object({
    id: z.string(),
    name: z.string(),
    version: z.string(),
    /** Where the vendor's console shows the agent, per language (en always). */
    consoleCheck: z.object({ en: z.string(), 'zh-CN': z.string().optional(), fr: z.string().optional() }).optional(),
  }),
  os: Os,
  mode: Mode,
  region: z.object({ id: z.string(), nameEn: z.string(), nameZh: z.string(), listed: z.boolean() }).nullable(),
  /** Non-secret values the templates used (inputs, region values, accessIp, installDir…), for reviews. */
  values: z.record(z.string(), z.string()),
  hosts: z.object({
    jumps: z.array(JumpHost),
    /** Proxies that run remote forwards (`ssh -R`) into a jump server: `proxy<N>` serves `jump<N>` (same index). */
    proxies: z.array(JumpHost).optional(),
    targets: z.array(TargetHost),
    /** Inherited installation: the host that already runs the agent and installs it on the targets. */
    seed: TargetHost.optional(),
    /** The target steps also run on this computer (host id `local`). */
    thisComputer: z.boolean(),
  }),
  steps: z.array(Step),
  warnings: z.array(z.string()),
  /** The same warnings as i18n keys with parameters (null where only the English text exists), in order. */
  warningParts: z.array(z.object({ key: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])) }).nullable()).optional(),
});
export type Plan = z.infer<typeof Plan>;

export const InputSummary = z.object({
  name: z.string(),
  type: z.enum(['string', 'host', 'ip', 'port', 'path', 'enum', 'boolean', 'secret', 'list']),
  required: z.boolean(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  pattern: z.string().optional(),
  patternHint: z.string().optional(),
  choices: z.array(z.string()).optional(),
  label: z.record(z.string(), z.string()),
  help: z.record(z.string(), z.string()),
  advanced: z.boolean(),
  os: z.array(Os).optional(),
  /** A secret whose last 4 characters may be shown once saved (an access key ID). */
  reveal: z.enum(['none', 'last4']),
});
export type InputSummary = z.infer<typeof InputSummary>;

/** A per-host value (a host list column, answers `targets[].vars.<name>`): declared in `hostInputs`, or used as `{host.<name>}`. */
export const HostInputSummary = InputSummary.pick({ name: true, required: true, pattern: true, patternHint: true, choices: true, label: true, help: true }).extend({ type: z.enum(['string', 'host', 'ip', 'port', 'path', 'enum']), default: z.union([z.string(), z.number()]).optional() });
export type HostInputSummary = z.infer<typeof HostInputSummary>;

export const ProfileSummary = z.object({
  id: z.string(),
  name: z.string(),
  /** In English; `descriptions` per UI language. */
  description: z.string(),
  descriptions: z.record(z.string(), z.string()),
  /** Offered first and marked "Recommended" in the wizard. */
  recommended: z.boolean(),
  /** The default install folder per OS (the wizard's placeholder). */
  installDir: z.object({ linux: z.string().optional(), windows: z.string().optional() }),
  os: z.array(Os),
  connectivity: z.array(Mode),
  /** The agent's ports: what a jump server forwards (`to` is `elb` or a host template) and the security group opens. */
  ports: z.array(z.object({ name: z.string(), port: z.number().int(), to: z.string(), download: z.boolean(), direction: z.enum(['local', 'remote']).default('local') })),
  inputs: z.array(InputSummary),
  /** Its per-host values (the wizard's host list columns), in the order the profile gives them. */
  hostInputs: z.array(HostInputSummary).default([]),
  /** The profile uses the region catalog (the wizard asks for a region). */
  regions: z.boolean(),
  /** A console command can be pasted instead of typing inputs (per OS). */
  consoleCommand: z.array(Os),
  /** The OSes whose steps can install from a local package file (answers.package) instead of downloading. */
  offline: z.array(Os).default([]),
  /** The vendor's inherited installation (Linux): a host that has the agent installs the others; the constraint per UI language, the file that host must keep. */
  inherited: z.object({ constraint: z.record(z.string(), z.string()), package: z.string().nullable() }).nullable().default(null),
  /** What the profile uses of the answers (the wizard asks only that): the access address, the DC name, an installer download per OS. */
  uses: z.object({ accessIp: z.boolean(), dc: z.boolean(), download: z.array(Os) }).default({ accessIp: true, dc: true, download: ['linux', 'windows'] }),
  /** The profile's own words (label, help; per UI language) for the answers' addresses: elbIp, connectionIp, accessIp. */
  addressWords: z.record(z.string(), z.object({ label: z.record(z.string(), z.string()), help: z.record(z.string(), z.string()) })).default({}),
  /** A user profile (from the profiles folder); `replaces` names the shipped one it overrides. */
  source: z.enum(['shipped', 'user']),
  replaces: z.string().optional(),
});
export type ProfileSummary = z.infer<typeof ProfileSummary>;

export const RegionInfo = z.object({ id: z.string(), nameEn: z.string(), nameZh: z.string(), obsDomain: z.string(), aliases: z.array(z.string()).optional() });
export type RegionInfo = z.infer<typeof RegionInfo>;

/** A forwarded port of a jump server, as the plan's forward actions set it up. */
export const NetworkForward = z.object({
  /** The jump server (`jump0`…) that listens. */
  jump: z.string(),
  /** The profile's name for the port (`icagent-8149`). */
  name: z.string(),
  /** The profile's port number: the key of connectivity.portOverrides. */
  port: z.number().int(),
  /** Where the jump server listens; null while its private IP is not given. */
  listenHost: z.string().nullable(),
  listenPort: z.number().int(),
  /** Where the forward goes; null while the ELB address it goes to is not given. */
  targetHost: z.string().nullable(),
  targetPort: z.number().int(),
  /** remote: a proxy's `ssh -R` makes the jump server listen. */
  direction: z.enum(['local', 'remote']),
});
export type NetworkForward = z.infer<typeof NetworkForward>;

/** The network a plan sets up: forwarded ports per jump server and the security-group rule to add (jump mode). */
export const Network = z.object({
  forwards: z.array(NetworkForward),
  /** The `sg-rule` step's table (English, as the plan gives it); null without jump servers. */
  securityGroup: z.object({ table: Table, ownDescription: z.boolean() }).nullable(),
  /** False when some answers are still missing: what they would change is left out (null hosts). */
  complete: z.boolean(),
});
export type Network = z.infer<typeof Network>;

export const planRequests = {
  'plan.network': request({
    summary: "The forwarded ports and the security-group rule the answers' plan sets up; while answers are missing, what is known so far.",
    input: z.object({ answers: z.record(z.string(), z.unknown()) }).strict(),
    output: Network,
  }),
  'plan.build': request({
    summary: 'Turn wizard answers (secrets as { env } / { stored } references) into a masked plan.',
    // Checked field by field by the plan engine, which names every problem's path in the error.
    input: z.object({ answers: z.record(z.string(), z.unknown()) }).strict(),
    output: z.object({ plan: Plan, warnings: z.array(z.string()) }),
  }),
  'profiles.list': request({
    summary: 'Agent profiles available (shipped and from the user profiles folder).',
    input: z.object({}).strict(),
    output: z.object({ profiles: z.array(ProfileSummary), problems: z.array(z.string()), folder: z.string() }),
  }),
  'profiles.openFolder': request({
    summary: "Create the user's profiles folder if missing and open it in the file manager (desktop app); browser mode only creates it and says where it is.",
    input: z.object({}).strict(),
    output: z.object({ folder: z.string(), opened: z.boolean(), error: z.string().optional() }),
  }),
  'regions.list': request({
    summary: 'Known cloud regions; a region not listed may still be entered by id.',
    input: z.object({}).strict(),
    output: z.object({ regions: z.array(RegionInfo) }),
  }),
  'profiles.importCommand': request({
    summary: "Parse a command copied from a vendor console into the profile's inputs (secrets go to the secure store).",
    input: z.object({ profile: z.string().max(64), os: Os, text: z.string().max(20_000) }).strict(),
    output: z.object({
      inputs: z.record(z.string(), z.unknown()),
      region: z.string().optional(),
      connectivity: z.record(z.string(), z.string()),
      /** Where each pasted secret was stored, with its non-revealing hint (…WXYZ for an access key ID). */
      secrets: z.array(z.object({ name: z.string(), stored: z.string(), hint: z.string() })),
      /** The command as pasted, each secret replaced by •••• and its hint: what the wizard keeps showing. */
      masked: z.string(),
    }),
  }),
};

export const planEvents = {};
