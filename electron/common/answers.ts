// The Answers schema, shared by the core (files, CLI, API) and the renderer (validation as you type).
// The Answers: everything the wizard asks, also written by hand or by scripts as YAML/JSON files
// (format documented in resources/ANSWERS.md). Secrets are references only; a literal secret is refused.
import { z } from 'zod';
import {
  checkCidr,
  checkDcName,
  checkDomain,
  checkEnvName,
  checkHost,
  checkIp,
  checkLocalPath,
  checkLoginUser,
  checkPort,
  checkPosixAbsPath,
  checkPosixUser,
  checkRegionId,
  checkSha256,
  checkStoredKey,
  checkWindowsAbsPath,
  parseHostPort,
} from './validate';
import { checkPrintableLine } from './visible';

/** An https:// base URL (scheme, host, optional port and path; no user, query or fragment). */
function checkHttpsBase(v: string): string | null {
  if (!/^https:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\/[A-Za-z0-9._~%/-]*)?$/.test(v)) return `"${v}" is not an https:// base URL like https://mirror.example.com/icagent (https only: the certificate authenticates the installer)`;
  return null;
}

/** A string field checked by one of the validators in ../validate. */
const text = (check: (v: string) => string | null) =>
  z.string().superRefine((v, ctx) => {
    const problem = check(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const Port = z.number().superRefine((v, ctx) => {
  const problem = checkPort(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const LITERAL_SECRET =
  'a secret cannot be written in the file; give a reference instead: { env: NAME } and set that environment variable (or { stored: KEY } from the app)';

export const SecretRefSchema = z.union(
  [z.object({ env: text(checkEnvName) }).strict(), z.object({ stored: text(checkStoredKey) }).strict()],
  {
    error: (iss) =>
      typeof iss.input === 'string' || typeof iss.input === 'number' || typeof iss.input === 'boolean'
        ? LITERAL_SECRET
        : 'must be { env: NAME } or { stored: KEY }',
  },
);

/** A profile input's value: text, a number, a boolean, a list of words, or a secret reference. */
const InputValue = z.union([z.string().max(4096), z.number(), z.boolean(), z.array(z.string().max(4096)).max(100), SecretRefSchema]);

const PrivateKey = z.object({ path: text(checkLocalPath), passphrase: SecretRefSchema.optional() }).strict();

/** SSH login fields shared by jump servers and targets; exactly one way to authenticate. */
function sshLogin<U extends z.ZodType<string>>(user: U) {
  return {
    host: text(checkHost),
    port: Port.default(22),
    user,
    password: SecretRefSchema.optional(),
    privateKey: PrivateKey.optional(),
    agent: z.literal(true).optional(),
  };
}

function exactlyOneAuth(v: { password?: unknown; privateKey?: unknown; agent?: unknown }, ctx: z.RefinementCtx) {
  const n = [v.password, v.privateKey, v.agent].filter((x) => x !== undefined).length;
  if (n !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: n === 0 ? 'needs one of password, privateKey or agent: true' : 'give only one of password, privateKey or agent: true',
    });
  }
}

const JumpSsh = z.object(sshLogin(text(checkPosixUser))).strict().superRefine(exactlyOneAuth);

export const JumpServerSchema = z
  .object({
    privateIp: text(checkIp),
    ssh: JumpSsh,
    /**
     * For a profile with remote forwards (`ssh -R`): the proxy in the platform's network that logs in to
     * this jump server (at ssh.host:ssh.port) and makes it listen on privateIp for the targets.
     */
    proxy: z.object({ ssh: JumpSsh }).strict().optional(),
  })
  .strict();

const PortOverride = z
  .object({
    listen: Port.optional(),
    target: z
      .string()
      .superRefine((v, ctx) => {
        const r = parseHostPort(v);
        if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
      })
      .optional(),
  })
  .strict()
  .refine((o) => o.listen !== undefined || o.target !== undefined, { message: 'give listen and/or target' });

const JumpConnectivity = z
  .object({
    mode: z.literal('jump'),
    /** What the line carries (the seed: a jump server "is suitable for tests or scenarios with low log traffic. VPCEP is recommended for scenarios with high log traffic"). */
    traffic: z.enum(['test', 'production']).optional(),
    jumpServers: z.array(JumpServerSchema).min(1, { message: 'list at least one jump server' }),
    elbIp: text(checkIp),
    connectionIp: text(checkIp),
    dc: text(checkDcName).optional(),
    tunnel: z.enum(['persistent', 'vendor']).default('persistent'),
    portOverrides: z.record(z.string().regex(/^[0-9]{1,5}$/, { message: 'port override keys are port numbers, e.g. "80"' }), PortOverride).optional(),
    /** Sources allowed by the security-group rule (default: anywhere). */
    allowFrom: z.array(text(checkCidr)).min(1).optional(),
  })
  .strict();

/**
 * SSH to the targets through jump server(s) only: no tunnel, no forwarded port (agents report through
 * their own route). For profiles that list `bastion` in their connectivity.
 */
const BastionConnectivity = z
  .object({
    mode: z.literal('bastion'),
    /** What the line carries (the seed: a jump server "is suitable for tests or scenarios with low log traffic. VPCEP is recommended for scenarios with high log traffic"). */
    traffic: z.enum(['test', 'production']).optional(),
    jumpServers: z.array(z.object({ ssh: JumpSsh }).strict()).min(1, { message: 'list at least one jump server' }),
    /** What agents report to ({accessIp}), when the profile uses it. */
    accessIp: text(checkHost).optional(),
    dc: text(checkDcName).optional(),
  })
  .strict();

const VpcepConnectivity = z
  .object({
    mode: z.literal('vpcep'),
    /** What the line carries (the seed: a jump server "is suitable for tests or scenarios with low log traffic. VPCEP is recommended for scenarios with high log traffic"). */
    traffic: z.enum(['test', 'production']).optional(),
    vpcepDomain: text(checkDomain),
    /** The endpoint's address agents connect to; defaults to the VPCEP domain. */
    accessIp: text(checkHost).optional(),
    dc: text(checkDcName).optional(),
  })
  .strict();

const DirectConnectivity = z
  .object({
    mode: z.literal('direct'),
    /** What the line carries (the seed: a jump server "is suitable for tests or scenarios with low log traffic. VPCEP is recommended for scenarios with high log traffic"). */
    traffic: z.enum(['test', 'production']).optional(),
    /**
     * The access address agents reach directly (Direct Connect, VPN, or intra-region). Optional here:
     * the plan requires it of a profile that uses it (an agent that reports to no address is not asked).
     */
    accessIp: text(checkIp).optional(),
    dc: text(checkDcName).optional(),
  })
  .strict();

export const TargetSchema = z
  .object({
    ...sshLogin(text(checkLoginUser)),
    /** Shown in progress lines, reports and the batch view: one line of printable characters (no escapes, no fake lines). */
    name: z.string().max(100).pipe(text(checkPrintableLine)).optional(),
    jump: z.number().int().min(0).optional(),
    /** Per-host values (a host list's extra columns): `{host.<name>}` on this host. */
    vars: z.record(z.string().regex(/^[a-z][A-Za-z0-9_]{0,63}$/, { message: 'per-host value names start with a lower-case letter (letters, digits, _)' }), z.union([z.string(), z.number()]).transform(String)).optional(),
  })
  .strict()
  .superRefine(exactlyOneAuth);

export const AnswersSchema = z
  .object({
    profile: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, { message: 'is a profile id like icagent' }),
    os: z.enum(['linux', 'windows']),
    /** Required by profiles that use the region catalog. */
    region: text(checkRegionId).optional(),
    /** OBS domain for a region missing from the catalog (default obs.{region}.myhuaweicloud.com). */
    obsDomain: text(checkDomain).optional(),
    connectivity: z.discriminatedUnion('mode', [JumpConnectivity, BastionConnectivity, VpcepConnectivity, DirectConnectivity], {
      error: (iss) => (iss.code === 'invalid_union' ? 'must be jump, bastion, vpcep or direct' : undefined),
    }),
    /** The profile's inputs (declared by the profile; checked against it when the plan is built). Secrets only as references. */
    inputs: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, { message: 'input names are letters, digits and _' }), InputValue).optional(),
    /** The older name of `inputs` (answers written for Outpost 0.1); merged into inputs. */
    credentials: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), InputValue).optional(),
    targets: z.array(TargetSchema),
    /** Also install on the computer running Outpost: the target steps run in its own shell. */
    thisComputer: z.literal(true).optional(),
    /**
     * The vendor's inherited installation (profiles with `inherited`, Linux): this host already runs the
     * agent and installs it on the targets with its own script. Its login like a target's; the targets
     * are only addresses and passwords for that script, which logs in as root on port 22.
     */
    inheritFrom: z
      .object({ ...sshLogin(text(checkLoginUser)), jump: z.number().int().min(0).optional() })
      .strict()
      .superRefine(exactlyOneAuth)
      .optional(),
    /**
     * Offline install: the agent package, a file on the computer running Outpost (relative paths are
     * relative to the answers file). Uploaded to each target (or unpacked here for this computer)
     * instead of downloading; its SHA-256 (given here, or in a `.sha256` file beside it) is checked
     * before anything is sent and again on the target.
     */
    package: z.object({ path: text(checkLocalPath), sha256: text(checkSha256).optional() }).strict().optional(),
    options: z
      .object({
        installDir: z.string().optional(),
        /** The SHA-256 of the installer the profile downloads: each target checks it before running it. */
        downloadSha256: text(checkSha256).optional(),
        /**
         * Where the installer comes from (profiles that download one; ignored with `package`). `local`: this
         * computer fetches it over HTTPS (certificate checked) and uploads it to each target over SSH — the
         * default in jump mode without downloadSha256. `tunnel` (jump mode): each target downloads it through
         * the jump server's port over plain HTTP — the default with downloadSha256; without it the plan warns.
         */
        download: z.enum(['local', 'tunnel']).optional(),
        /** An https:// base URL replacing the profile's direct download base (a mirror): the installer is `<downloadBase><path>`. */
        downloadBase: text(checkHttpsBase).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const dir = a.options?.installDir;
    if (dir !== undefined) {
      const problem = a.os === 'windows' ? checkWindowsAbsPath(dir) : checkPosixAbsPath(dir);
      if (problem) ctx.addIssue({ code: 'custom', path: ['options', 'installDir'], message: problem });
    }
    if (a.options?.download === 'tunnel' && a.connectivity.mode !== 'jump') {
      ctx.addIssue({ code: 'custom', path: ['options', 'download'], message: 'tunnel is for jump mode (the targets download through the jump server); in direct and vpcep modes they download over HTTPS themselves, or give local' });
    }
    const jumps = a.connectivity.mode === 'jump' || a.connectivity.mode === 'bastion' ? a.connectivity.jumpServers.length : 0;
    a.targets.forEach((t, i) => {
      if (t.jump === undefined) return;
      if (jumps === 0) ctx.addIssue({ code: 'custom', path: ['targets', i, 'jump'], message: 'is only allowed when connectivity.mode is jump or bastion' });
      else if (t.jump >= jumps) ctx.addIssue({ code: 'custom', path: ['targets', i, 'jump'], message: `there is no jump server ${t.jump} (${jumps} listed)` });
    });
  });

export type Answers = z.output<typeof AnswersSchema>;
export type AnswersInput = z.input<typeof AnswersSchema>;
export type JumpAnswers = Extract<Answers['connectivity'], { mode: 'jump' }>;

export interface Problem {
  /** Field path like `connectivity.jumpServers[0].privateIp`; empty for the whole input. */
  path: string;
  message: string;
}

export type AnswersResult = { ok: true; answers: Answers } | { ok: false; problems: Problem[] };

export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out ? `.${String(k)}` : String(k);
  }
  return out;
}

export function formatProblem(p: Problem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

function issueToProblems(iss: z.core.$ZodIssue, base: readonly PropertyKey[] = []): Problem[] {
  const at = [...base, ...iss.path];
  if (iss.code === 'unrecognized_keys') {
    return iss.keys.map((k) => ({ path: formatPath([...at, k]), message: 'unknown field (check its spelling)' }));
  }
  return [{ path: formatPath(at), message: iss.message }];
}

/** Messages for zod's generic cases, in the words a person editing a file needs. */
const friendly: z.core.$ZodErrorMap = (iss) => {
  if (iss.code === 'invalid_type') {
    if (iss.input === undefined) return 'is required';
    if (iss.expected === 'string' && typeof iss.input === 'number') return 'must be text (put the value in quotes)';
    return `must be ${iss.expected === 'object' ? 'a mapping' : iss.expected === 'array' ? 'a list' : `a ${iss.expected}`}`;
  }
  if (iss.code === 'invalid_value') return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return undefined;
};

/** Validates an already-parsed object (from a file, or the wizard over the API). */
export function validateAnswers(data: unknown): AnswersResult {
  const r = AnswersSchema.safeParse(data, { error: friendly });
  if (r.success) return { ok: true, answers: r.data };
  const problems = r.error.issues.flatMap((i) => issueToProblems(i));
  return { ok: false, problems: dedupe(problems) };
}

function dedupe(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = formatProblem(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

