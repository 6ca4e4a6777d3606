// Agent profiles are data: resources/profiles/*.yaml (shipped) and <dataDir>/profiles/*.yaml (the
// user's own). A profile lists the ports to forward, and per OS the install / verify / uninstall
// command templates as tokens, so a new agent is a new file, not new code.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { formatPath } from './answers';

/** Values a template may use as {name}; each is validated in the answers before it gets here. */
export const PLACEHOLDERS = ['region', 'obsDomain', 'projectId', 'accessIp', 'downloadUrl', 'downloadFile', 'installDir', 'packagePath', 'dc'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
/** Secret parameters a template may reference with { secret: name }. */
export const SECRET_PARAMS = ['ak', 'sk'] as const;
export type SecretParam = (typeof SECRET_PARAMS)[number];
/** Conditions a token may depend on with `when:`. */
export const FLAGS = ['installDirOverridden', 'viaJump', 'notViaJump'] as const;

const placeholdersIn = (s: string) => [...s.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
const templateString = z.string().superRefine((s, ctx) => {
  for (const name of placeholdersIn(s)) {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}} (known: ${PLACEHOLDERS.join(', ')})` });
    }
  }
});
const when = z.enum(FLAGS).optional();
const SecretToken = z.object({ secret: z.enum(SECRET_PARAMS), when }).strict();

/** One token of a command template: a word (string, {placeholders} allowed), shell syntax, a secret, or NAME=value. */
export const Token = z.union([
  templateString,
  z.object({ word: templateString, when }).strict(),
  z.object({ op: z.string().min(1), when }).strict(),
  SecretToken,
  z.object({ assign: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: z.union([templateString, SecretToken]), when }).strict(),
]);
export type Token = z.infer<typeof Token>;

const CommandTemplate = z
  .object({
    script: z.array(Token).min(1),
    /** At least one must appear for success (empty: exit code decides). */
    success: z.array(z.string()).default([]),
    exitCode: z.number().int().optional(),
    failure: z.array(z.string()).default([]),
    timeoutSec: z.number().int().positive().default(300),
    interactive: z.boolean().default(false),
    /** Where this template comes from (documentation page or the seed), shown in reviews. */
    source: z.string().optional(),
  })
  .strict();
export type CommandTemplate = z.infer<typeof CommandTemplate>;

const OsTemplates = z
  .object({
    shell: z.enum(['bash', 'sh', 'cmd']),
    installDir: z.string().min(1),
    /** Linux: the installer to fetch; `path` is appended to the tunnel (http://{connectionIp}:{port}) or to directBase. */
    download: z.object({ path: z.string().regex(/^\/[A-Za-z0-9_./-]+$/), file: z.string().regex(/^[A-Za-z0-9_.-]+$/), directBase: templateString }).strict().optional(),
    /** Windows: the package is a zip unpacked into installDir before install. */
    unpack: z.literal('zip').optional(),
    install: CommandTemplate,
    verify: CommandTemplate,
    uninstall: CommandTemplate,
  })
  .strict();
export type OsTemplates = z.infer<typeof OsTemplates>;

export const ProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
    name: z.string().min(1),
    version: z.string().default('1'),
    description: z.string().default(''),
    os: z.array(z.enum(['linux', 'windows'])).min(1),
    connectivity: z.array(z.enum(['jump', 'vpcep', 'direct'])).min(1),
    ports: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
            port: z.number().int().min(1).max(65535),
            /** `elb` = the ELB IP from the answers; otherwise a host template such as icagent-{region}.{obsDomain}. */
            to: z.union([z.literal('elb'), templateString]),
            /** The installer is downloaded through this forward. */
            download: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
    /** Listeners the load balancer needs when several jump servers sit behind it (default: every port). */
    lbListenerPorts: z.array(z.number().int()).optional(),
    securityGroupDescription: z.string().default(''),
    linux: OsTemplates.optional(),
    windows: OsTemplates.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const os of p.os) if (!p[os]) ctx.addIssue({ code: 'custom', path: [os], message: `is required: the profile lists ${os} in os` });
    if (p.ports.filter((x) => x.download).length > 1) ctx.addIssue({ code: 'custom', path: ['ports'], message: 'at most one port may be the download port' });
    if (new Set(p.ports.map((x) => x.port)).size !== p.ports.length) ctx.addIssue({ code: 'custom', path: ['ports'], message: 'ports must be distinct' });
  });
export type Profile = z.output<typeof ProfileSchema>;

export function parseProfile(text: string, source: string): { profile: Profile } | { problems: string[] } {
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) return { problems: doc.errors.map((e) => `${source}: not valid YAML: ${e.message.split('\n')[0]}`) };
  const r = ProfileSchema.safeParse(doc.toJS());
  if (!r.success) return { problems: r.error.issues.map((i) => `${source}: ${formatPath(i.path) || '(profile)'}: ${i.message}`) };
  return { profile: r.data };
}

/**
 * Loads every *.yaml / *.yml profile in `dirs`, in order; a later folder's profile replaces an earlier
 * one with the same id (the user's profiles folder comes last). Missing folders are skipped.
 */
export function loadProfiles(dirs: readonly string[]): { profiles: Profile[]; problems: string[] } {
  const byId = new Map<string, Profile>();
  const problems: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        problems.push(`${file}: cannot be read`);
        continue;
      }
      const r = parseProfile(text, file);
      if ('problems' in r) problems.push(...r.problems);
      else byId.set(r.profile.id, r.profile);
    }
  }
  return { profiles: [...byId.values()], problems };
}

/** The shipped folder, then the user's: `<dataDir>/profiles`. */
export function profileDirs(resourcesDir: string, dataDir: string): string[] {
  return [path.join(resourcesDir, 'profiles'), path.join(dataDir, 'profiles')];
}
