// The service itself: answers → plan, profiles, console-command import, runs. Each exists once here,
// for every face (./index.ts is the door they import).
import { markSecretEnv } from '../secrets/env';
import path from 'node:path';
import type { HostInputSummary, Plan, ProfileSummary } from '../../common/api/plan';
import { formatProblem, validateAnswers } from '../../common/answers';
import type { CoreContext } from '../context';
import { OutpostError } from '../errors';
import { inheritedFromAnswers, loadRegions, PlanError, planFromAnswers, type SecretResolver } from '../plan';
import { hostColumnsOf, inLang, loadProfiles, portColumnsOf, parseConsoleCommand, profileDirs, profileUses, type ConsoleCommandResult, type LangText, type LoadedProfile, type Profile } from '../profiles';

/** A profile's text in each UI language (English where it gives none); nothing when it gives no text. */
const perLang = (t: LangText | undefined): Record<string, string> => (t === undefined ? {} : { en: inLang(t, 'en'), 'zh-CN': inLang(t, 'zh-CN'), fr: inLang(t, 'fr') });
import { missingSecrets, startRun, type RunDeps, type RunHandle, type RunOptionsResolved } from '../run';
import { KnownHosts, type HostKeyPolicy } from '../ssh';

/**
 * A profile's per-host values as the wizard offers them: each declared one as declared, and one it only
 * uses as `{host.<name>}` as a required text (a port where a probe checks it as one), named by itself.
 */
function hostInputSummaries(p: Profile): HostInputSummary[] {
  const ports = portColumnsOf(p);
  return hostColumnsOf(p).map((name) => {
    const h = p.hostInputs.find((x) => x.name === name);
    if (!h) return { name, type: ports.includes(name) ? 'port' : 'string', required: true, label: { en: name }, help: {} };
    return {
      name,
      type: h.type,
      required: h.required,
      ...(h.default !== undefined ? { default: h.default } : {}),
      ...(h.pattern ? { pattern: h.pattern } : {}),
      ...(h.patternHint ? { patternHint: h.patternHint } : {}),
      ...(h.choices ? { choices: h.choices } : {}),
      label: h.label ? perLang(h.label) : { en: name },
      help: perLang(h.help),
    };
  });
}

export interface ServiceOptions {
  /** --profiles DIR: the user's profiles folder instead of <data folder>/profiles. */
  profilesDir?: string | undefined;
}

export class OutpostService {
  constructor(
    readonly ctx: Pick<CoreContext, 'dataDir' | 'resourcesDir' | 'log' | 'secrets'>,
    private readonly opts: ServiceOptions = {},
  ) {}

  get userProfilesDir(): string {
    return profileDirs(this.ctx.resourcesDir, this.ctx.dataDir, this.opts.profilesDir).user;
  }

  /** Read on each call: the files are small, and a profile dropped into the user's folder shows up at once. */
  profiles(): { profiles: LoadedProfile[]; problems: string[] } {
    const d = profileDirs(this.ctx.resourcesDir, this.ctx.dataDir, this.opts.profilesDir);
    return loadProfiles(d.shipped, d.user);
  }

  profileSummaries(): { profiles: ProfileSummary[]; problems: string[]; folder: string } {
    const loaded = this.profiles();
    return {
      folder: this.userProfilesDir,
      problems: loaded.problems,
      profiles: loaded.profiles.map(({ profile: p, source }) => ({
        id: p.id,
        name: p.name,
        description: inLang(p.description, 'en'),
        descriptions: { en: inLang(p.description, 'en'), 'zh-CN': inLang(p.description, 'zh-CN'), fr: inLang(p.description, 'fr') },
        recommended: p.recommended,
        installDir: { ...(p.linux ? { linux: p.linux.installDir } : {}), ...(p.windows ? { windows: p.windows.installDir } : {}) },
        os: p.os,
        connectivity: p.connectivity,
        ports: p.ports.map((x) => ({ name: x.name, port: x.port, to: x.to, download: x.download, direction: x.direction })),
        regions: p.regions,
        consoleCommand: (['linux', 'windows'] as const).filter((os) => p.consoleCommand?.[os]),
        offline: (['linux', 'windows'] as const).filter((os) => p[os]?.steps.some((s) => s.when === 'packagePath')),
        inherited: p.inherited ? { constraint: (p.inherited.constraint ? { en: inLang(p.inherited.constraint, 'en'), 'zh-CN': inLang(p.inherited.constraint, 'zh-CN'), fr: inLang(p.inherited.constraint, 'fr') } : {}) as Record<string, string>, package: p.inherited.package ?? null } : null,
        uses: profileUses(p),
        addressWords: Object.fromEntries(
          Object.entries(p.addressWords ?? {}).map(([field, w]) => [field, { label: perLang(w?.label), help: perLang(w?.help) }]),
        ),
        source,
        ...(p.replaces ? { replaces: p.replaces } : {}),
        hostInputs: hostInputSummaries(p),
        inputs: p.inputs.map((i) => ({
          name: i.name,
          type: i.type,
          required: i.required,
          ...(i.default !== undefined ? { default: i.default } : {}),
          ...(i.pattern ? { pattern: i.pattern } : {}),
          ...(i.patternHint ? { patternHint: i.patternHint } : {}),
          ...(i.choices ? { choices: i.choices } : {}),
          label: { en: inLang(i.label, 'en'), 'zh-CN': inLang(i.label, 'zh-CN'), fr: inLang(i.label, 'fr') },
          help: { en: inLang(i.help, 'en'), 'zh-CN': inLang(i.help, 'zh-CN'), fr: inLang(i.help, 'fr') },
          advanced: i.advanced,
          reveal: i.reveal,
          ...(i.os ? { os: i.os } : {}),
        })),
      })),
    };
  }

  regions() {
    return loadRegions(path.join(this.ctx.resourcesDir, 'regions.yaml'));
  }

  /** Validates answers (any parsed object) and builds the plan; PlanError lists every problem. */
  plan(answers: unknown): Plan {
    const r = validateAnswers(answers);
    if (!r.ok) throw new PlanError(r.problems);
    markEnvRefs(r.answers);
    const loaded = this.profiles();
    for (const p of loaded.problems) this.ctx.log.warn(`profile skipped: ${p}`);
    const profiles = loaded.profiles.map((l) => l.profile);
    const inherited = r.answers.inheritFrom ? profiles.find((p) => p.id === r.answers.profile) : undefined;
    // The vendor's inherited installation: a host that has the agent installs the targets (answers.inheritFrom).
    if (inherited) return inheritedFromAnswers(r.answers, inherited, this.regions());
    return planFromAnswers(r.answers, { profiles, regions: this.regions(), problems: loaded.problems });
  }

  importCommand(profileId: string, os: 'linux' | 'windows', text: string): ConsoleCommandResult {
    const found = this.profiles().profiles.find((l) => l.profile.id === profileId);
    if (!found) throw new OutpostError('profile_unknown', `There is no profile ${profileId}.`, 'Pick one of the profiles `outpost profile list` shows.');
    return parseConsoleCommand(found.profile, os, text);
  }

  knownHosts(file?: string): KnownHosts {
    return new KnownHosts(file ?? path.join(this.ctx.dataDir, 'known_hosts'));
  }

  /** Starts a run of a plan; every secret must resolve first (the message names each missing one). */
  startRun(plan: Plan, options: RunOptionsResolved, deps: { resolver: SecretResolver; hostKeyPolicy: HostKeyPolicy; emit: RunDeps['emit']; knownHostsFile?: string; localEnv?: NodeJS.ProcessEnv } & Pick<RunDeps, 'askHostKeysTogether' | 'onHostKeyChanged'>): RunHandle {
    const missing = missingSecrets(plan, deps.resolver);
    if (missing.length) throw new OutpostError('secret.missing', missing.join('\n'), 'Enter the missing secrets (or set those environment variables) and start again.');
    return startRun(plan, options, {
      dataDir: this.ctx.dataDir,
      secrets: this.ctx.secrets,
      log: this.ctx.log,
      knownHosts: this.knownHosts(deps.knownHostsFile),
      resolver: deps.resolver,
      hostKeyPolicy: deps.hostKeyPolicy,
      emit: deps.emit,
      ...(deps.localEnv ? { localEnv: deps.localEnv } : {}),
      ...(deps.askHostKeysTogether ? { askHostKeysTogether: true } : {}),
      ...(deps.onHostKeyChanged ? { onHostKeyChanged: deps.onHostKeyChanged } : {}),
    });
  }
}

export { formatProblem, PlanError };

/** Every `{ env: NAME }` in validated answers names a secret: children Outpost starts never inherit it. */
function markEnvRefs(v: unknown): void {
  if (Array.isArray(v)) for (const x of v) markEnvRefs(x);
  else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o.env === 'string' && Object.keys(o).length === 1) markSecretEnv(o.env);
    else for (const x of Object.values(o)) markEnvRefs(x);
  }
}

