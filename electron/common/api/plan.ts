// The Plan as it crosses the API: what the Review page shows, what runners execute. A plan never holds
// a secret value: secrets appear only as references ({ env } / { stored }) inside command pieces, and
// every `display` text is already masked.
import { z } from 'zod';
import { request } from './define';

/** Where a secret lives: an environment variable (files, CLI) or the app's secure storage (UI). */
export const SecretRef = z.union([z.object({ env: z.string().min(1) }).strict(), z.object({ stored: z.string().min(1) }).strict()]);
export type SecretRef = z.infer<typeof SecretRef>;

/** A secret word: rendered `****` for display, resolved only when building the command to execute. */
export const SecretPiece = z.object({ secret: SecretRef, name: z.string() }).strict();
export type SecretPiece = z.infer<typeof SecretPiece>;

/**
 * One piece of a command: a plain string is ONE argv word (quoted for the step's shell); `secret` is
 * one secret word; `op` is shell syntax Outpost generated (`&&`, `;`, `{`, redirections), never a user
 * value; `assign` is a `NAME=value` prefix (POSIX shells only).
 */
export const Piece = z.union([
  z.string(),
  SecretPiece,
  z.object({ op: z.string() }).strict(),
  z.object({ assign: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: z.union([z.string(), SecretPiece]) }).strict(),
]);
export type Piece = z.infer<typeof Piece>;

export const Shell = z.enum(['bash', 'sh', 'cmd', 'powershell']);
export type Shell = z.infer<typeof Shell>;

export const StepKind = z.enum(['instruction', 'tunnel', 'check', 'install', 'verify', 'unpack', 'command']);
export type StepKind = z.infer<typeof StepKind>;

export const Where = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local') }),
  z.object({ kind: z.literal('jump'), index: z.number().int().min(0) }),
  z.object({ kind: z.literal('target') }),
]);
export type Where = z.infer<typeof Where>;

export const Forward = z.object({
  /** The profile's name for the port, e.g. `icagent-8149`; reports use it. */
  name: z.string(),
  listenHost: z.string(),
  listenPort: z.number().int(),
  targetHost: z.string(),
  targetPort: z.number().int(),
});
export type Forward = z.infer<typeof Forward>;

export const TunnelInfo = z.object({
  form: z.enum(['persistent', 'vendor']),
  jumpIndex: z.number().int(),
  forwards: z.array(Forward),
  /** The vendor's one-off command, exactly as the documentation gives it (runs as the jump user, asks its password). */
  vendorCommand: z.string(),
  /** The ssh argv the persistent unit runs (no -f: systemd supervises it). */
  sshArgv: z.array(z.string()),
  /** Key the unit authenticates with (systemd `%h` = the unit user's home); the runner creates and authorizes it. */
  identityFile: z.string(),
  unitName: z.string(),
  /** System unit (/etc/systemd/system) text, and the user-unit variant (~/.config/systemd/user). */
  unitText: z.string(),
  userUnitText: z.string(),
  installUnitScript: z.string(),
  installUserUnitScript: z.string(),
});
export type TunnelInfo = z.infer<typeof TunnelInfo>;

export const ExpectPort = z.object({ name: z.string(), host: z.string(), port: z.number().int() });
export type ExpectPort = z.infer<typeof ExpectPort>;

export const Table = z.object({ columns: z.array(z.string()), rows: z.array(z.array(z.string())) });
export type Table = z.infer<typeof Table>;

export const Step = z.object({
  /** Stable id: `sg-rule`, `tunnel.jump0`, `ports.jump0`, `lb-listeners`, `vpcep.dns`, `unpack`, `install`, `verify`, `uninstall`. */
  id: z.string(),
  title: z.string(),
  titleKey: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])),
  kind: StepKind,
  where: Where,
  shell: Shell.nullable(),
  /** null for instruction steps (nothing to run). */
  command: z.array(Piece).nullable(),
  /** Masked text: the command as it would be typed, or the instruction text. */
  display: z.string(),
  /** Longer English explanation (what the step does, why). */
  description: z.string(),
  /** Exit code expected (when set) and markers of which at least one must appear in the output (when non-empty). */
  success: z.object({ exitCode: z.number().int().optional(), markers: z.array(z.string()).optional() }),
  /** Any of these in the output means failure, whatever the exit code. */
  failureMarkers: z.array(z.string()),
  timeoutSec: z.number().int().positive(),
  /** Needs a PTY a person may type into (e.g. the vendor tunnel asks for a password). */
  interactive: z.boolean(),
  tunnel: TunnelInfo.optional(),
  expectPorts: z.array(ExpectPort).optional(),
  table: Table.optional(),
});
export type Step = z.infer<typeof Step>;

export const AuthInfo = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('password'), password: SecretRef }),
  z.object({ kind: z.literal('privateKey'), path: z.string(), passphrase: SecretRef.optional() }),
  z.object({ kind: z.literal('agent') }),
]);
export type AuthInfo = z.infer<typeof AuthInfo>;

export const SshEndpoint = z.object({ host: z.string(), port: z.number().int(), user: z.string(), auth: AuthInfo });
export type SshEndpoint = z.infer<typeof SshEndpoint>;

export const Plan = z.object({
  version: z.literal(1),
  profile: z.object({ id: z.string(), name: z.string(), version: z.string() }),
  os: z.enum(['linux', 'windows']),
  mode: z.enum(['jump', 'vpcep', 'direct']),
  region: z.object({ id: z.string(), nameEn: z.string(), nameZh: z.string(), obsDomain: z.string(), listed: z.boolean() }),
  /** The address agents send to (`-accessip`): connection IP (jump), VPCEP address, or access IP (direct). */
  accessIp: z.string(),
  dc: z.string().nullable(),
  installDir: z.string(),
  jumpServers: z.array(z.object({ index: z.number().int(), privateIp: z.string(), ssh: SshEndpoint })),
  /** Target steps run once on each of these; `jump` is the jump server to reach it through. */
  targets: z.array(SshEndpoint.extend({ index: z.number().int(), jump: z.number().int().nullable() })),
  /** What each target must reach for the agent to work (preflight probes these): agent ports at the access address, and the download host. */
  reach: z.array(ExpectPort),
  /** The target steps also run on this computer (after the SSH targets). */
  thisComputer: z.boolean(),
  steps: z.array(Step),
  /** The vendor's remedy when the install fails: uninstall, then run the install step again. */
  remedies: z.object({ uninstall: Step }),
  warnings: z.array(z.string()),
});
export type Plan = z.infer<typeof Plan>;

export const ProfileSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  os: z.array(z.enum(['linux', 'windows'])),
  connectivity: z.array(z.enum(['jump', 'vpcep', 'direct'])),
  /** The agent's ports: what a jump server forwards (`to` is `elb` or a host template) and the security group opens. */
  ports: z.array(z.object({ name: z.string(), port: z.number().int(), to: z.string(), download: z.boolean() })),
});
export type ProfileSummary = z.infer<typeof ProfileSummary>;

export const RegionInfo = z.object({ id: z.string(), nameEn: z.string(), nameZh: z.string(), obsDomain: z.string() });
export type RegionInfo = z.infer<typeof RegionInfo>;

export const planRequests = {
  'plan.build': request({
    summary: 'Turn wizard answers (secrets as { env } / { stored } references) into a masked plan.',
    // Checked field by field by the plan engine, which names every problem's path in the error.
    input: z.object({ answers: z.record(z.string(), z.unknown()) }).strict(),
    output: z.object({ plan: Plan, warnings: z.array(z.string()) }),
  }),
  'profiles.list': request({
    summary: 'Agent profiles available (shipped and from the user profiles folder).',
    input: z.object({}).strict(),
    output: z.object({ profiles: z.array(ProfileSummary), problems: z.array(z.string()) }),
  }),
  'regions.list': request({
    summary: 'Known cloud regions; a region not listed may still be entered by id.',
    input: z.object({}).strict(),
    output: z.object({ regions: z.array(RegionInfo) }),
  }),
};

export const planEvents = {};
