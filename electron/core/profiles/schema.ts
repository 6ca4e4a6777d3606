// Profile schema v2: a profile is the whole description of an agent. Inputs the wizard asks, ports
// to forward, preflight and verify probes, steps per OS with typed actions, markers, diagnosis, the
// uninstall remedy, and an optional parser for the command a vendor console generates. A new agent is
// a new file; if one needs TypeScript, the schema is missing a general capability.
// resources/profile.schema.json is generated from this (npm run build) and documented in resources/PROFILES.md.
import { z } from 'zod';
import { ConsoleCommand } from './console-command-schema';
import { checkRegex, checkTemplate, checkWhen, walkTemplates, type TemplateNames } from './template-check';
export { inLang } from './template-check';

export const BUILTIN_VARS = [
  'region', 'accessIp', 'connectionIp', 'elbIp', 'dc', 'installDir', 'downloadUrl', 'downloadHost', 'downloadFile', 'downloadSha256', 'packagePath', 'packageSha256', 'packageFile', 'mode', 'os', 'agent',
] as const;
/** Per-host values, filled in by the runner on each host (the same plan serves a whole batch). */
export const HOST_VARS = ['host.address', 'host.name'] as const;
/** Conditions a token may depend on with `when:` besides any variable (true when set and not empty). */
export const BUILTIN_FLAGS = ['installDirOverridden', 'viaJump', 'notViaJump', 'bastion', 'vpcep', 'direct', 'fetchLocal'] as const;

import { NAME, SecretToken, Template, text, TextPiece, Token, When } from './schema-base';
export { Token, type LangText } from './schema-base';
/** A wizard field's label and help (each one text, or per language). */
const FieldWords = z.object({ label: text.optional(), help: text.optional() }).strict();

export const InputSchema = z
  .object({
    name: z.string().regex(NAME, { message: 'is a name like projectId (letters, digits, _)' }),
    type: z.enum(['string', 'host', 'ip', 'port', 'path', 'enum', 'boolean', 'secret', 'list']),
    required: z.boolean().default(false),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
    /** A regular expression the (trimmed) value must match. */
    pattern: z.string().optional(),
    /** Said when the pattern does not match, e.g. "20 letters and digits". */
    patternHint: z.string().optional(),
    choices: z.array(z.string()).optional(),
    /** What the wizard shows; default: the name. */
    label: text.optional(),
    help: text.optional(),
    /** Shown under "Advanced" in the wizard. */
    advanced: z.boolean().default(false),
    /** Only asked for these OSes. */
    os: z.array(z.enum(['linux', 'windows'])).optional(),
    /** A secret that is an identifier (an access key ID): its last 4 characters may be shown once saved. */
    reveal: z.enum(['none', 'last4']).default('none'),
    /** Where the console command carries it (documentation only). */
    source: z.string().optional(),
  })
  .strict()
  .superRefine((i, ctx) => {
    if (i.pattern !== undefined) {
      try {
        new RegExp(i.pattern);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'is not a valid regular expression' });
      }
    }
    if (i.type === 'enum' && !i.choices?.length) ctx.addIssue({ code: 'custom', path: ['choices'], message: 'an enum input needs choices' });
    if (i.type !== 'secret' && i.reveal !== 'none') ctx.addIssue({ code: 'custom', path: ['reveal'], message: 'only a secret input has reveal' });
    if (i.type === 'secret' && i.default !== undefined) ctx.addIssue({ code: 'custom', path: ['default'], message: 'a secret input cannot have a default' });
  })
  // Said once in PROFILES.md: a label defaults to the input's name.
  .transform((i) => ({ ...i, label: i.label ?? i.name }));
export type ProfileInput = z.output<typeof InputSchema>;

/**
 * A per-host value: a column of the host list (CSV header) that becomes `{host.<name>}` on that host
 * (a port per host). Declared, it is checked on every host like an input.
 */
export const HostInputSchema = z
  .object({
    name: z.string().regex(/^[a-z][A-Za-z0-9_]{0,63}$/, { message: 'is a column name like port2 (starts with a lower-case letter; letters, digits, _)' }),
    type: z.enum(['string', 'host', 'ip', 'port', 'path', 'enum']).default('string'),
    required: z.boolean().default(true),
    default: z.union([z.string(), z.number()]).optional(),
    pattern: z.string().optional(),
    patternHint: z.string().optional(),
    choices: z.array(z.string()).optional(),
    label: text.optional(),
    help: text.optional(),
  })
  .strict()
  .superRefine((i, ctx) => {
    if (i.pattern !== undefined) {
      try {
        new RegExp(i.pattern);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'is not a valid regular expression' });
      }
    }
    if ((HOST_VARS as readonly string[]).includes(`host.${i.name}`)) ctx.addIssue({ code: 'custom', path: ['name'], message: `host.${i.name} is a built-in per-host value; pick another name` });
    if (['port', 'user', 'password', 'privatekey', 'jump'].includes(i.name.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['name'], message: `${i.name} is a column Outpost reads itself (the login); pick another name` });
    if (i.type === 'enum' && !i.choices?.length) ctx.addIssue({ code: 'custom', path: ['choices'], message: 'an enum value needs choices' });
  });
export type HostInput = z.output<typeof HostInputSchema>;

/** Who owns what an action wrote (a user, or user:group); changing it needs root. */
const Owner = z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}\$?(:[a-z_][a-z0-9_.-]{0,31})?$/i, { message: 'is a user name, or user:group' });

const Diagnosis = z.object({ pattern: z.string(), code: z.string().regex(/^[a-z0-9_]+$/).default('step_failed'), hint: Template, when: When }).strict();

const ExecAction = z
  .object({
    shell: z.enum(['bash', 'sh', 'cmd', 'powershell']).optional().describe('Default: the OS section\'s shell'),
    script: z.array(Token).min(1),
    /** At least one must appear for success (empty: exit code decides). */
    success: z.array(z.string()).default([]),
    exitCode: z.number().int().optional(),
    failure: z.array(z.string()).default([]),
    timeoutSec: z.number().int().positive().default(300),
    interactive: z.boolean().default(false),
    /** Run as root (`sudo -n` when the login user is not root). */
    root: z.boolean().default(true),
    diagnosis: z.array(Diagnosis).default([]),
  })
  .strict();

/**
 * What every probe a profile writes may add: `when` (the probe is planned only when the condition
 * holds, like a step's) and `hint` (what the check says to do when it fails or cannot tell, instead of
 * Outpost's generic words: the vendor's log, the console page).
 */
const ProbeExtras = { when: When, hint: Template.optional() };
const Probe = z.union([
  z.object({ process: z.object({ name: z.string(), match: Template, ...ProbeExtras }).strict() }).strict(),
  z.object({ service: z.object({ name: Template, expect: z.string().default('active'), ...ProbeExtras }).strict() }).strict(),
  z.object({ http: z.object({ name: z.string(), url: Template, status: z.array(z.number().int()).min(1), ...ProbeExtras }).strict() }).strict(),
  z.object({ connections: z.object({ name: z.string(), process: z.string(), ports: z.array(z.number().int()).min(1), ...ProbeExtras }).strict() }).strict(),
  z.object({ listening: z.object({ name: z.string(), port: z.union([z.number().int(), Template]), ...ProbeExtras }).strict() }).strict(),
  z
    .object({
      command: z
        .object({
          name: z.string(),
          shell: z.enum(['bash', 'sh', 'cmd', 'powershell']).optional(),
          script: z.array(Token).min(1),
          exitCode: z.number().int().optional(),
          success: z.array(z.string()).default([]),
          /** What the vendor advises rather than requires: a failure is a warning, not a stop. */
          advisory: z.boolean().default(false),
          ...ProbeExtras,
          /** Markers meaning the check could not be made (a tool missing, a file unreadable): "could not check", a warning, never a pass. */
          unknown: z.array(z.string().min(1)).default([]),
          /** false: not one of the checks `guard: verify` uses (it judges what is installed, e.g. its version, not whether it is installed and running). */
          guard: z.boolean().default(true),
        })
        .strict(),
    })
    .strict(),
  z.object({ tunnelTraffic: z.object({ ports: z.array(z.number().int()).min(1), when: When }).strict() }).strict().describe('Jump mode: connections from each target seen on the jump server'),
  z
    .object({ keyLogin: z.object({ user: Template, key: Template, ...ProbeExtras }).strict() })
    .strict()
    .describe('A second SSH login to the target as `user` with the private key `key` on this computer (host key verified): a key login a step set up works'),
]);
export type ProfileProbe = z.infer<typeof Probe>;

const Action = z.union([
  z.object({ exec: ExecAction }).strict(),
  z.object({
    writeFile: z
      .object({
        path: Template,
        content: z.array(z.union([Template, TextPiece, SecretToken])).min(1),
        mode: z.number().int().min(0).max(0o777).default(0o600),
        /** Removed after the step that follows, whatever happened (register.json, an env file). */
        transient: z.boolean().default(false),
        /** json: every value put into the content (inputs, secrets, per-host values) is escaped for a JSON string. */
        escape: z.enum(['none', 'json']).default('none'),
        root: z.boolean().default(true),
        owner: Owner.optional(),
      })
      .strict(),
  }).strict(),
  z.object({
    editIni: z
      .object({
        path: Template,
        /** `value`: text, or `{ secret: name }` (written through the file, never shown). */
        set: z.array(z.object({ section: z.string(), key: z.string(), value: z.union([Template, SecretToken]) }).strict()).min(1),
        root: z.boolean().default(true),
      })
      .strict(),
  }).strict(),
  z.object({
    upload: z
      .object({
        from: Template.optional(),
        /** Instead of `from`: the installer this computer fetched over HTTPS (the section's `download`, options.download: local). */
        fetched: z.literal(true).optional(),
        to: Template,
        sha256: Template.optional(),
        mode: z.number().int().default(0o600),
        root: z.boolean().default(true),
        owner: Owner.optional(),
      })
      .strict(),
  }).strict(),
  z.object({
    unpack: z
      .object({
        archive: Template,
        dest: Template,
        format: z.enum(['zip', 'tar', 'tar.gz']),
        sha256: Template.optional(),
        root: z.boolean().default(true),
        owner: Owner.optional(),
        /** Files under dest (`/`-separated) a reinstall leaves as they are: the vendor's configuration. */
        keep: z.array(z.string().min(1).regex(/^[^\\:*?"<>|]+$/, 'a path under the folder, with / between its parts')).optional(),
      })
      .strict(),
  }).strict(),
  z.object({ instruction: z.object({ text: Template }).strict() }).strict(),
]);
export type ProfileAction = z.infer<typeof Action>;

export const ProfileStep = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9.-]{0,63}$/),
    phase: z.enum(['prepare', 'transfer', 'install', 'verify', 'remedy']),
    title: text,
    when: When,
    /** `verify`: skip this step when the verify probes already pass (e.g. "agent already running"); or a list of probes of its own. */
    guard: z.union([z.literal('verify'), z.array(Probe).min(1)]).optional(),
    /**
     * The vendor's remedy step (phase remedy) and the hint shown when this step fails. `retry: once`: when
     * the step fails, the remedy runs by itself and the step is tried once more; without it, the remedy
     * runs only before the step in a reinstall (`--reinstall`).
     */
    onFailure: z.object({ remedy: z.string().optional(), hint: Template, retry: z.enum(['never', 'once']).default('never') }).strict().optional(),
    source: z.string().optional(),
    action: Action,
  })
  .strict();
export type ProfileStep = z.output<typeof ProfileStep>;

const Preflight = z
  .object({
    arch: z.array(z.string()).default(['x86_64', 'aarch64']),
    minFreeMiB: z.number().int().min(0).default(200),
    /** Each entry: at least one of these commands must exist. */
    tools: z.array(z.array(z.string()).min(1)).default([]),
    /** The profile's own read-only checks (e.g. the OS release a vendor supports), run with the preflight before anything changes. */
    checks: z.array(Probe).default([]),
  })
  .strict();

const OsSection = z
  .object({
    shell: z.enum(['bash', 'sh', 'cmd', 'powershell']),
    installDir: z.string().min(1),
    /** The installer to fetch: `path` is appended to the tunnel (http://{connectionIp}:{port}) or to directBase. */
    download: z
      .object({
        path: z.string().regex(/^\/[A-Za-z0-9_./-]+$/),
        file: z.string().regex(/^[A-Za-z0-9_.-]+$/),
        directBase: Template,
        /** Where the installer itself downloads more from (the agent package): through a jump server, the plan says when no forward leads there. */
        installerFetches: Template.optional(),
      })
      .strict()
      .optional(),
    preflight: Preflight.optional(),
    steps: z.array(ProfileStep).min(1),
    verify: z.array(Probe).default([]),
  })
  .strict();
export type OsSection = z.output<typeof OsSection>;


/** A regular expression (checked when the profile is loaded). */
const Regex = z.string().min(1).max(400);
const AbsPath = z.string().regex(/^\/[A-Za-z0-9_./-]+$/, { message: 'is an absolute path of letters, digits and _ . / -' });
const Flag = z.string().regex(/^-{1,2}[A-Za-z][A-Za-z0-9-]*$/, { message: 'is a flag like -ip' });

/**
 * The vendor's "inherited installation" (Linux): a host that already runs the agent installs it on
 * others with its own script, from a list of `IP password` lines (`outpost batch --inherit-from`).
 */
const Inherited = z
  .object({
    /** The script on the host that has the agent (run with bash). */
    script: AbsPath,
    /** Flag for one host: `<script> <ipFlag> <ip>`. */
    ipFlag: Flag.optional(),
    /** Flag for a list: `<script> <batchFlag> <listPath>`. */
    batchFlag: Flag,
    /** Where the list (`IP [password]` per line) is uploaded on that host (0600, removed afterwards). */
    listPath: AbsPath,
    /** A file the host that has the agent must keep for its script (checked before anything runs). */
    package: AbsPath.optional(),
    /** The script's question for the password of hosts the list gives none for (answered in its PTY). */
    promptDefaultPassword: Regex,
    /** With ipFlag: the script's question for the host's password (answered in its PTY, each time it is asked). */
    promptPassword: Regex.optional(),
    /** A line confirming one host; its named group `ip` says which. */
    hostDone: Regex,
    /** With ipFlag: the line confirming the one host's install. */
    singleDone: Regex.optional(),
    /** The script's last line (it only means its loop ended, not that every host installed). */
    finished: Regex.optional(),
    /** Stop waiting after this long (default 1800 s). */
    timeoutSec: z.number().int().min(10).max(86_400).default(1800),
    /** What the hosts must share (e.g. the same VPC and subnet), said in the CLI's help and output. */
    constraint: text.optional(),
    source: z.string().optional(),
  })
  .strict();
export type Inherited = z.output<typeof Inherited>;

export const ProfileSchema = z
  .object({
    $schema: z.string().optional(),
    schema: z.literal(2).describe('The profile schema version'),
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
    /** A user profile with a shipped profile's id must say so. */
    replaces: z.string().optional(),
    name: z.string().min(1).max(120).regex(/^[^\p{Cc}]*$/u, { message: 'is one line of printable characters' }),
    version: z.string().default('1'),
    /** One sentence for the agent list (text, or per language). */
    description: text.default(''),
    /** The wizard offers this profile first and marks it "Recommended". */
    recommended: z.boolean().default(false),
    os: z.array(z.enum(['linux', 'windows'])).min(1),
    connectivity: z.array(z.enum(['jump', 'bastion', 'vpcep', 'direct'])).min(1),
    /** The profile uses the region catalog: answers give `region`; templates may use {region} and {region.<field>}. */
    regions: z.boolean().default(false),
    inputs: z.array(InputSchema).default([]),
    /** Per-host values: host list columns that become `{host.<name>}` (checked on every host). */
    hostInputs: z.array(HostInputSchema).default([]),
    /** `required`: a plan without `package.path` in the answers is refused (an agent installed only from a package). */
    package: z.enum(['required', 'optional']).default('optional'),
    /**
     * Derived values, in order: name → template over inputs, built-ins and earlier vars; or a list of
     * alternatives `{ when, value }`, the first whose condition holds (one without `when` always does;
     * none holding: empty), for a value that depends on the connectivity or an input.
     */
    vars: z.record(z.string().regex(NAME), z.union([Template, z.array(z.object({ when: When, value: Template }).strict()).min(1)])).default({}),
    ports: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
            port: z.number().int().min(1).max(65535),
            /** `elb` = the forwards' destination from the answers (elbIp); otherwise a host template. */
            to: z.union([z.literal('elb'), Template]).default('elb'),
            /** The installer is downloaded through this forward. */
            download: z.boolean().default(false),
            /**
             * local (`ssh -L`): the jump server listens and forwards to `to` (agents report through it).
             * remote (`ssh -R`): a proxy in the platform's network (the jump server's `proxy` in the answers)
             * logs in to the jump server and makes it listen; connections go back through the proxy to `to`.
             */
            direction: z.enum(['local', 'remote']).default('local'),
            /** The destination's port when it differs from `port` (the port agents connect to); answers may still override it. */
            toPort: z.number().int().min(1).max(65535).optional(),
          })
          .strict(),
      )
      .default([]),
    /** Listeners the load balancer needs when several jump servers sit behind it (default: every port). */
    lbListenerPorts: z.array(z.number().int()).optional(),
    /** Where the vendor's console shows the installed agent (the Result page names it). */
    consoleCheck: text.optional(),
    /**
     * The wizard's words for the answers' network addresses where this agent means something of its
     * own by them (ICAgent's elbIp is the ELB in the LTS console; Cloudpods' is its InfluxDB host).
     */
    addressWords: z
      .object({ elbIp: FieldWords.optional(), connectionIp: FieldWords.optional(), accessIp: FieldWords.optional() })
      .strict()
      .optional(),
    // One text, or one per OS where the vendor words them differently (ICAgent's Table 2 and Table 3).
    securityGroupDescription: z.union([text, z.object({ linux: text.optional(), windows: text.optional() }).strict()]).default(''),
    linux: OsSection.optional(),
    windows: OsSection.optional(),
    consoleCommand: z.object({ linux: ConsoleCommand.optional(), windows: ConsoleCommand.optional() }).strict().optional(),
    /** The vendor's inherited installation: a host with the agent installs it on others (Linux). */
    inherited: Inherited.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const os of p.os) if (!p[os]) ctx.addIssue({ code: 'custom', path: [os], message: `is required: the profile lists ${os} in os` });
    p.ports.forEach((x, n) => {
      if (x.direction === 'remote' && x.download) ctx.addIssue({ code: 'custom', path: ['ports', n, 'download'], message: 'the download goes through a local forward, not a remote one' });
    });
    if (p.ports.filter((x) => x.download).length > 1) ctx.addIssue({ code: 'custom', path: ['ports'], message: 'at most one port may be the download port' });
    if (new Set(p.ports.map((x) => x.port)).size !== p.ports.length) ctx.addIssue({ code: 'custom', path: ['ports'], message: 'ports must be distinct' });
    if (p.connectivity.includes('jump') && p.ports.length === 0) ctx.addIssue({ code: 'custom', path: ['ports'], message: 'a profile that supports jump servers needs ports to forward' });
    const names = new Set<string>();
    p.inputs.forEach((i, n) => {
      if (names.has(i.name)) ctx.addIssue({ code: 'custom', path: ['inputs', n, 'name'], message: `${i.name} is declared twice` });
      if ((BUILTIN_VARS as readonly string[]).includes(i.name)) ctx.addIssue({ code: 'custom', path: ['inputs', n, 'name'], message: `${i.name} is a built-in value; pick another name` });
      names.add(i.name);
    });
    const secrets = new Set(p.inputs.filter((i) => i.type === 'secret').map((i) => i.name));
    const lists = new Set(p.inputs.filter((i) => i.type === 'list').map((i) => i.name));
    const known = new Set<string>([...BUILTIN_VARS, ...[...names].filter((n) => !secrets.has(n))]);
    const hostNames = new Set<string>();
    p.hostInputs.forEach((h, n) => {
      if (hostNames.has(h.name)) ctx.addIssue({ code: 'custom', path: ['hostInputs', n, 'name'], message: `${h.name} is declared twice` });
      hostNames.add(h.name);
    });
    const t: TemplateNames = { known, secrets, ports: new Set(p.ports.map((x) => x.name)) };
    for (const [k, v] of Object.entries(p.vars)) {
      if (typeof v === 'string') checkTemplate(v, t, ['vars', k], ctx);
      else {
        const varFlags = new Set<string>([...known, ...secrets, ...lists, ...BUILTIN_FLAGS]);
        v.forEach((alt, n) => {
          checkTemplate(alt.value, t, ['vars', k, n, 'value'], ctx);
          if (alt.when) checkWhen(alt.when, varFlags, ['vars', k, n, 'when'], ctx);
        });
      }
      known.add(k);
    }
    p.ports.forEach((x, n) => {
      if (x.to !== 'elb') checkTemplate(x.to, t, ['ports', n, 'to'], ctx);
    });
    const flags = new Set<string>([...known, ...secrets, ...lists, ...BUILTIN_FLAGS]);
    const checkTokens = (tokens: readonly Token[], path: PropertyKey[]) =>
      tokens.forEach((tk, n) => {
        const at = [...path, n];
        if (typeof tk === 'string') return;
        if (tk.when) checkWhen(tk.when, flags, [...at, 'when'], ctx);
        if ('secret' in tk && !secrets.has(tk.secret)) ctx.addIssue({ code: 'custom', path: [...at, 'secret'], message: `${tk.secret} is not a secret input of this profile` });
        if ('args' in tk && !lists.has(tk.args)) ctx.addIssue({ code: 'custom', path: [...at, 'args'], message: `${tk.args} is not a list input of this profile` });
        if ('assign' in tk && typeof tk.value !== 'string' && !secrets.has(tk.value.secret)) ctx.addIssue({ code: 'custom', path: [...at, 'value', 'secret'], message: `${tk.value.secret} is not a secret input of this profile` });
      });
    const checkProbes = (probes: readonly ProfileProbe[], path: PropertyKey[]) =>
      probes.forEach((v, n) => {
        if ('command' in v) checkTokens(v.command.script, [...path, n, 'command', 'script']);
        const [kind, body] = Object.entries(v)[0] ?? [];
        const w = (body as { when?: string } | undefined)?.when;
        if (kind && w) checkWhen(w, flags, [...path, n, kind, 'when'], ctx);
      });
    for (const os of ['linux', 'windows'] as const) {
      const sec = p[os];
      if (!sec) continue;
      // Every template of the section (titles, paths, values, words, probes, hints): each {placeholder}
      // known, and never a secret (a secret is only ever a { secret: … } piece, so it is never shown).
      walkTemplates(sec, [os], t, ctx);
      const ids = new Set<string>();
      sec.steps.forEach((s, n) => {
        const at: PropertyKey[] = [os, 'steps', n];
        if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: [...at, 'id'], message: `${s.id} is used twice` });
        ids.add(s.id);
        if (s.when) checkWhen(s.when, flags, [...at, 'when'], ctx);
        if (Array.isArray(s.guard)) checkProbes(s.guard, [...at, 'guard']);
        const a = s.action;
        if ('upload' in a && (a.upload.from === undefined) === (a.upload.fetched === undefined)) ctx.addIssue({ code: 'custom', path: [...at, 'action', 'upload'], message: 'give either from (a local file) or fetched: true (the installer this computer fetched)' });
        if ('upload' in a && a.upload.fetched && !sec.download) ctx.addIssue({ code: 'custom', path: [...at, 'action', 'upload', 'fetched'], message: `needs ${os}.download (the installer to fetch)` });
        if ('exec' in a) {
          checkTokens(a.exec.script, [...at, 'action', 'exec', 'script']);
          a.exec.diagnosis.forEach((d, k) => checkRegex(d.pattern, [...at, 'action', 'exec', 'diagnosis', k, 'pattern'], ctx));
        }
        if ('writeFile' in a) {
          a.writeFile.content.forEach((c, k) => {
            const cat = [...at, 'action', 'writeFile', 'content', k];
            if (typeof c === 'string') return;
            if (c.when) checkWhen(c.when, flags, [...cat, 'when'], ctx);
            if (!('text' in c) && !secrets.has(c.secret)) ctx.addIssue({ code: 'custom', path: cat, message: `${c.secret} is not a secret input of this profile` });
          });
        }
        if ('editIni' in a) {
          a.editIni.set.forEach((x, k) => {
            if (typeof x.value !== 'string' && !secrets.has(x.value.secret)) ctx.addIssue({ code: 'custom', path: [...at, 'action', 'editIni', 'set', k, 'value', 'secret'], message: `${x.value.secret} is not a secret input of this profile` });
            if (/[\r\n]/.test(x.section + x.key)) ctx.addIssue({ code: 'custom', path: [...at, 'action', 'editIni', 'set', k], message: 'a section or key is one line' });
          });
        }
      });
      sec.steps.forEach((s, n) => {
        const r = s.onFailure?.remedy;
        if (r && !sec.steps.some((x) => x.id === r && x.phase === 'remedy')) ctx.addIssue({ code: 'custom', path: [os, 'steps', n, 'onFailure', 'remedy'], message: `no step ${r} with phase remedy` });
      });
      checkProbes(sec.verify, [os, 'verify']);
      checkProbes(sec.preflight?.checks ?? [], [os, 'preflight', 'checks']);
    }
    for (const os of ['linux', 'windows'] as const) {
      const cc = p.consoleCommand?.[os];
      if (!cc) continue;
      if (cc.urlRegion) checkRegex(cc.urlRegion, ['consoleCommand', os, 'urlRegion'], ctx);
      const targets = new Set<string>([...names, 'region', 'accessIp', 'dc', '-']);
      for (const [flag, target] of [...Object.entries(cc.flags), ...Object.entries(cc.env)]) {
        if (!targets.has(target)) ctx.addIssue({ code: 'custom', path: ['consoleCommand', os, 'flags', flag], message: `${target} is not an input, region, accessIp, dc or -` });
      }
      for (const k of ['extraArgs', 'verbatim'] as const) {
        const name = cc[k];
        if (name && !lists.has(name)) ctx.addIssue({ code: 'custom', path: ['consoleCommand', os, k], message: `${name} is not a list input` });
      }
    }
    const inh = p.inherited;
    if (inh) {
      if (!p.os.includes('linux')) ctx.addIssue({ code: 'custom', path: ['inherited'], message: 'the inherited installation runs on Linux: the profile must list linux in os' });
      for (const k of ['promptDefaultPassword', 'promptPassword', 'hostDone', 'singleDone', 'finished'] as const) {
        const r = inh[k];
        if (r !== undefined) checkRegex(r, ['inherited', k], ctx);
      }
      if (!inh.hostDone.includes('(?<ip>')) ctx.addIssue({ code: 'custom', path: ['inherited', 'hostDone'], message: 'needs a named group (?<ip>…) saying which host the line confirms' });
      if (inh.ipFlag && (!inh.promptPassword || !inh.singleDone)) ctx.addIssue({ code: 'custom', path: ['inherited', 'ipFlag'], message: 'needs promptPassword and singleDone (how the one-host form asks and confirms)' });
    }
  });
export type Profile = z.output<typeof ProfileSchema>;
